package io.opizontas.gateway.plugins.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.integration.AbstractInteropTest;
import io.grpc.testing.integration.EmptyProtos;
import io.grpc.testing.integration.Messages;
import io.grpc.testing.integration.TestServiceGrpc;
import io.grpc.testing.integration.UnimplementedServiceGrpc;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.config.ConfigException;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.TestCa;
import io.opizontas.gateway.testing.TestGateways;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged tls-providers plugin in a real gateway: TLS with client certificates on the client
 * leg and mutual TLS on the backend leg at once, grpc-java peers on both sides (the backend requires
 * a client certificate), and the handshakes and calls each side must refuse.
 */
class TlsThroughGatewayIT {

  private static final String TEST_SERVICE = "grpc.testing.TestService";
  private static final String UNIMPLEMENTED = "grpc.testing.UnimplementedService";
  private static final String SPIFFE_ID = "spiffe://opizontas.test/backend";

  @TempDir static Path dir;

  /** Signs what clients and the gateway's listener present. */
  private static final TestCa CLIENTS = TestCa.create("clients CA");
  /** Signs what backends and the gateway's backend leg present. */
  private static final TestCa BACKENDS = TestCa.create("backends CA");

  private static final List<GrpcBackend> backends = new ArrayList<>();
  private static GrpcBackend backend;
  private static Gateway gateway;
  private static TestCa.Issued client;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private Client interop;

  @BeforeAll
  static void start() throws Exception {
    Path plugins = Files.createDirectory(dir.resolve("plugins"));
    Files.copy(Path.of(System.getProperty("plugin.jar")), plugins.resolve("tls-providers.jar"));
    CLIENTS.issue("gateway", "localhost", "127.0.0.1").writePem(dir, "gateway");
    BACKENDS.issue("gateway-to-backends").writePem(dir, "gateway-client");
    CLIENTS.writeCertificate(dir.resolve("clients-ca.crt"));
    BACKENDS.writeCertificate(dir.resolve("backends-ca.crt"));
    client = CLIENTS.issue("client");
    backend = tlsBackend(BACKENDS.issue("backend", "127.0.0.1"));
    gateway = Gateway.start(GatewayConfigReader.read(config(""), "tls.toml"));
    route(TEST_SERVICE, backend);
  }

  private static String config(String extra) {
    return """
        [plugins]
        directory = "%1$s/plugins"

        [admin]
        listen = "off"

        [server]
        listen = "127.0.0.1:0"
        drain_timeout = "0s"

        [server.tls]
        listen = "127.0.0.1:0"
        provider = "pem-files"
        client_auth = "require"
        cert = "%1$s/gateway.crt"
        key = "%1$s/gateway.key"
        ca = "%1$s/clients-ca.crt"
        watch_interval = "100ms"

        [registration]
        enabled = false

        [upstream.tls]
        provider = "pem-files"
        require = true
        cert = "%1$s/gateway-client.crt"
        key = "%1$s/gateway-client.key"
        ca = "%1$s/backends-ca.crt"

        [[upstream.tls.services]]
        pattern = "grpc.testing.UnimplementedService"
        identity = "%2$s"

        [[upstream.tls.services]]
        pattern = "legacy.*"
        provider = "none"
        %3$s
        """.formatted(dir, SPIFFE_ID, extra);
  }

  /** An interop server presenting {@code issued} and requiring a client certificate from BACKENDS. */
  private static GrpcBackend tlsBackend(TestCa.Issued issued) throws Exception {
    SslContext tls = GrpcSslContexts.configure(SslContextBuilder.forServer(issued.key(),
            issued.chain().toArray(X509Certificate[]::new)))
        .trustManager(BACKENDS.certificate())
        .clientAuth(ClientAuth.REQUIRE)
        .build();
    GrpcBackend started = GrpcBackend.interop(builder -> builder.sslContext(tls));
    backends.add(started);
    return started;
  }

  private static void route(String service, GrpcBackend to) {
    TestGateways.route(gateway, Map.of(service, List.of(to.endpoint())));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    for (GrpcBackend started : backends) {
      started.close();
    }
  }

  @BeforeEach
  void connect() {
    route(TEST_SERVICE, backend);
    interop = new Client(this);
    interop.setUp();
  }

  @AfterEach
  void disconnectAndCheckNothingLeaks() {
    interop.tearDown();
    channels.forEach(ManagedChannel::shutdownNow);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(gateway.openClientStreams()).as("client streams").isZero();
      assertThat(gateway.openBackendStreams()).as("backend streams").isZero();
    });
  }

  /** A channel to the TLS listener presenting {@code certificate} (none when null), trusting CLIENTS. */
  private ManagedChannel channel(TestCa.Issued certificate) {
    try {
      SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(CLIENTS.certificate());
      if (certificate != null) {
        tls.keyManager(certificate.key(), certificate.chain().toArray(X509Certificate[]::new));
      }
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.tlsAddress().getPort())
          .sslContext(tls.build())
          .maxInboundMessageSize(AbstractInteropTest.MAX_MESSAGE_SIZE)
          .build();
      channels.add(channel);
      return channel;
    } catch (SSLException e) {
      throw new IllegalStateException(e);
    }
  }

  private StatusRuntimeException emptyCallFails(TestCa.Issued certificate) {
    return org.assertj.core.api.Assertions.catchThrowableOfType(StatusRuntimeException.class,
        () -> TestServiceGrpc.newBlockingStub(channel(certificate)).withDeadlineAfter(10, TimeUnit.SECONDS)
            .emptyCall(EmptyProtos.Empty.getDefaultInstance()));
  }

  private void stillServes() {
    TestServiceGrpc.newBlockingStub(channel(client)).withDeadlineAfter(10, TimeUnit.SECONDS)
        .emptyCall(EmptyProtos.Empty.getDefaultInstance());
  }

  // grpc-java's interop cases, TLS on both legs.

  @Test
  void emptyUnary() throws Exception {
    interop.emptyUnary();
  }

  @Test
  void largeUnary() throws Exception {
    interop.largeUnary();
  }

  @Test
  void clientStreaming() throws Exception {
    interop.clientStreaming();
  }

  @Test
  void serverStreaming() throws Exception {
    interop.serverStreaming();
  }

  @Test
  void pingPong() throws Exception {
    interop.pingPong();
  }

  @Test
  void customMetadata() throws Exception {
    interop.customMetadata();
  }

  @Test
  void statusCodeAndMessage() throws Exception {
    interop.statusCodeAndMessage();
  }

  @Test
  void cancelAfterBegin() throws Exception {
    interop.cancelAfterBegin();
  }

  @Test
  void timeoutOnSleepingServer() throws Exception {
    interop.timeoutOnSleepingServer();
  }

  // The backend leg refuses backends it cannot trust.

  @Test
  void aBackendCertificateFromAnUnknownCaIsRefused() throws Exception {
    route(TEST_SERVICE, tlsBackend(TestCa.create("rogue CA").issue("backend", "127.0.0.1")));
    StatusRuntimeException refused = emptyCallFails(client);
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(refused.getStatus().getDescription()).contains("PKIX path");
    route(TEST_SERVICE, backend);
    stillServes();
  }

  @Test
  void anExpiredBackendCertificateIsRefused() throws Exception {
    route(TEST_SERVICE, tlsBackend(BACKENDS.issueExpired("backend", "127.0.0.1")));
    StatusRuntimeException refused = emptyCallFails(client);
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(refused.getStatus().getDescription()).containsIgnoringCase("expired");
    route(TEST_SERVICE, backend);
    stillServes();
  }

  @Test
  void aBackendCertificateForAnotherHostIsRefused() throws Exception {
    route(TEST_SERVICE, tlsBackend(BACKENDS.issue("backend", "other.example")));
    StatusRuntimeException refused = emptyCallFails(client);
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(refused.getStatus().getDescription()).contains("does not name identity '127.0.0.1'")
        .contains("other.example");
    route(TEST_SERVICE, backend);
    stillServes();
  }

  @Test
  void aConfiguredIdentityIsCheckedInsteadOfTheHostName() throws Exception {
    route(UNIMPLEMENTED, tlsBackend(BACKENDS.issue("backend", SPIFFE_ID)));
    // The backend answers (it has no such service): the handshake and the identity passed.
    assertThatThrownBy(() -> UnimplementedServiceGrpc.newBlockingStub(channel(client))
            .unimplementedCall(EmptyProtos.Empty.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    // The backend that names the host but not the identity is refused, although the gateway holds
    // a verified session to that very address for TestService: sessions are kept per TLS setting.
    stillServes();
    route(UNIMPLEMENTED, backend);
    assertThatThrownBy(() -> UnimplementedServiceGrpc.newBlockingStub(channel(client))
            .unimplementedCall(EmptyProtos.Empty.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("does not name identity '" + SPIFFE_ID + "'");
        });
  }

  @Test
  void aCallThatWouldGoInPlaintextToARequireService() throws Exception {
    GrpcBackend plaintext = GrpcBackend.interop();
    backends.add(plaintext);
    TestGateways.route(gateway, Map.of("legacy.Service", List.of(plaintext.endpoint())));
    StatusRuntimeException refused = org.assertj.core.api.Assertions.catchThrowableOfType(StatusRuntimeException.class,
        () -> io.grpc.stub.ClientCalls.blockingUnaryCall(channel(client), io.grpc.MethodDescriptor
            .<EmptyProtos.Empty, EmptyProtos.Empty>newBuilder()
            .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("legacy.Service/Call")
            .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(EmptyProtos.Empty.getDefaultInstance()))
            .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(EmptyProtos.Empty.getDefaultInstance()))
            .build(), io.grpc.CallOptions.DEFAULT, EmptyProtos.Empty.getDefaultInstance()));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(refused.getStatus().getDescription()).contains("TLS is required").contains("never sends its calls in plaintext");
    stillServes();
  }

  // The client leg refuses clients it cannot trust.

  @Test
  void aClientWithoutCertificateIsRefusedWhereOneIsRequired() {
    StatusRuntimeException refused = emptyCallFails(null);
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    stillServes();
  }

  @Test
  void aClientCertificateFromAnotherCaIsRefused() {
    StatusRuntimeException refused = emptyCallFails(TestCa.create("rogue CA").issue("client"));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    stillServes();
  }

  @Test
  void aTls11ClientIsRefused() throws Exception {
    // TLS 1.1 is disabled in this JDK's own security settings; a child JVM re-enables it for its
    // client, so that what refuses the handshake is the gateway.
    Path security = Files.writeString(dir.resolve("tls11.security"), "jdk.tls.disabledAlgorithms=SSLv3\n");
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.security.properties=" + security, "-cp", System.getProperty("java.class.path"),
        OldTlsClient.class.getName(), "127.0.0.1", String.valueOf(gateway.tlsAddress().getPort()), "TLSv1.1")
        .redirectErrorStream(true).start();
    String output = new String(child.getInputStream().readAllBytes());
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    // The gateway answers the TLS 1.1 ClientHello with a protocol_version alert.
    assertThat(output).contains("refused:").contains("protocol_version").doesNotContain("accepted");
    stillServes();
  }

  // Rotation of the listener's certificate.

  @Test
  void aRotatedCertificateServesNewConnectionsWhileACallStartedBeforeCompletes() throws Exception {
    ManagedChannel before = channel(client);
    LinkedBlockingQueue<Messages.StreamingOutputCallResponse> responses = new LinkedBlockingQueue<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<Messages.StreamingOutputCallRequest> requests = TestServiceGrpc.newStub(before)
        .fullDuplexCall(new StreamObserver<>() {
          @Override
          public void onNext(Messages.StreamingOutputCallResponse value) {
            responses.add(value);
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            done.complete(null);
          }
        });
    Messages.StreamingOutputCallRequest ping = Messages.StreamingOutputCallRequest.newBuilder()
        .addResponseParameters(Messages.ResponseParameters.newBuilder().setSize(10)).build();
    requests.onNext(ping);
    assertThat(responses.poll(10, TimeUnit.SECONDS)).isNotNull();

    TestCa.Issued next = CLIENTS.issue("gateway-rotated", "localhost", "127.0.0.1");
    // The key first, then the chain, as a careless copy does: the half-written pair is never used.
    TestCa.write(dir.resolve("gateway.key"), next.pkcs8Pem());
    TestCa.write(dir.resolve("gateway.crt"), next.chainPem());
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
        .until(() -> OldTlsClient.serverCertificate("127.0.0.1", gateway.tlsAddress().getPort(), client)
            .equals(next.certificate()));

    requests.onNext(ping);
    assertThat(responses.poll(10, TimeUnit.SECONDS)).isNotNull();
    requests.onCompleted();
    done.get(10, TimeUnit.SECONDS);
    stillServes();
  }

  @Test
  void anUnknownProviderIsRefusedAtStart() {
    assertThatThrownBy(() -> Gateway.start(GatewayConfigReader.read(config("").replace(
            "provider = \"pem-files\"\nclient_auth", "provider = \"pem-file\"\nclient_auth"), "tls.toml")))
        .hasMessageContaining("TLS provider 'pem-file'")
        .hasMessageContaining("installed: ");
  }

  @Test
  void aPasswordInTheConfigurationIsRefusedWithFileLineAndKey() {
    assertThatThrownBy(() -> Gateway.start(GatewayConfigReader.read(config("").replace(
            "watch_interval = \"100ms\"", "key_password = \"hunter2\""), "tls.toml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.toml:")
        .hasMessageContaining("server.tls.key_password");
  }

  /** The interop client, pointed at the TLS listener with a client certificate. */
  private static final class Client extends AbstractInteropTest {
    private final TlsThroughGatewayIT test;

    Client(TlsThroughGatewayIT test) {
      this.test = test;
    }

    @Override
    protected ManagedChannelBuilder<?> createChannelBuilder() {
      try {
        return NettyChannelBuilder.forAddress("127.0.0.1", gateway.tlsAddress().getPort())
            .sslContext(GrpcSslContexts.forClient().trustManager(CLIENTS.certificate())
                .keyManager(client.key(), client.chain().toArray(X509Certificate[]::new)).build())
            .maxInboundMessageSize(MAX_MESSAGE_SIZE);
      } catch (SSLException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    protected boolean metricsExpected() {
      return false;
    }
  }
}

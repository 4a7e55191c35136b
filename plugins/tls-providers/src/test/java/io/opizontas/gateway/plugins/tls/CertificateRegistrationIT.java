package io.opizontas.gateway.plugins.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opizontas.gateway.client.GatewayRegistration;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.discovery.ServiceEndpoints;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instances registering with their client certificate over the TLS listener, through the real
 * gateway-client and the packaged pem-files provider: allowed identities register what their entry
 * allows; other identities, services or addresses are PERMISSION_DENIED; certificates from another
 * authority or expired ones are UNAUTHENTICATED; none of these touches the routing table; tokens
 * keep working alongside.
 */
class CertificateRegistrationIT {

  private static final String CART = "spiffe://opizontas.test/cart";
  private static final String TOKEN = "s3cret-registration-token";

  @TempDir static Path dir;

  private static final TestCa CA = TestCa.create("instances CA");
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    Path plugins = Files.createDirectory(dir.resolve("plugins"));
    Files.copy(Path.of(System.getProperty("plugin.jar")), plugins.resolve("tls-providers.jar"));
    Files.copy(Path.of(System.getProperty("memory.plugin.jar")), plugins.resolve("memory-registry.jar"));
    CA.issue("gateway", "localhost", "127.0.0.1").writePem(dir, "gateway");
    CA.writeCertificate(dir.resolve("ca.crt"));
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(TOKEN.getBytes()));
    gateway = Gateway.start(GatewayConfigReader.read("""
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
        client_auth = "optional"
        cert = "%1$s/gateway.crt"
        key = "%1$s/gateway.key"
        ca = "%1$s/ca.crt"

        [[registration.tokens]]
        sha256 = "%2$s"
        services = ["token.*"]

        [[registration.certificates]]
        identity = "%3$s"
        services = ["cart.*"]
        addresses = ["127.0.0.1", "cart-*.internal"]
        """.formatted(dir, sha256, CART), "registration.toml"));
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  private static GatewayRegistration.Builder overTls(String name, TestCa.Issued certificate) {
    certificate.writePem(dir, name);
    return GatewayRegistration.builder()
        .gateway("127.0.0.1:" + gateway.tlsAddress().getPort())
        .tls(dir.resolve("ca.crt"), dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
  }

  private static ServiceEndpoints routes(String service) {
    return gateway.endpoints().lookup(service);
  }

  private static Status refusal(GatewayRegistration.Builder registration) {
    return catchThrowableOfType(StatusRuntimeException.class, registration::start).getStatus();
  }

  @Test
  void anAllowedIdentityRegistersItsServiceAtItsAddress() {
    try (GatewayRegistration registration = overTls("cart", CA.issue("cart", CART))
        .service("cart.Cart").address("127.0.0.1", 7001).start()) {
      assertThat(registration.leaseId()).isNotEmpty();
      assertThat(routes("cart.Cart").asList()).extracting(e -> e.address()).containsExactly("127.0.0.1:7001");
    }
    assertThat(routes("cart.Cart").isEmpty()).isTrue();
  }

  @Test
  void anotherIdentityIsPermissionDenied() {
    Status status = refusal(overTls("other", CA.issue("other", "spiffe://opizontas.test/other"))
        .service("cart.Cart").address("127.0.0.1", 7002));
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).contains("matches no [[registration.certificates]] identity")
        .contains("spiffe://opizontas.test/other");
    assertThat(routes("cart.Cart")).satisfiesAnyOf(r -> assertThat(r).isNull(), r -> assertThat(r.isEmpty()).isTrue());
  }

  @Test
  void aServiceOrAddressOutsideTheEntryIsPermissionDenied() {
    Status service = refusal(overTls("cart-svc", CA.issue("cart", CART)).service("pay.Pay").address("127.0.0.1", 7003));
    assertThat(service.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(service.getDescription()).contains("may not use service 'pay.Pay'");
    Status address = refusal(overTls("cart-addr", CA.issue("cart", CART)).service("cart.Cart").address("10.9.9.9", 7003));
    assertThat(address.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(address.getDescription()).contains("may not register endpoints at 10.9.9.9");
    assertThat(routes("pay.Pay")).isNull();
  }

  @Test
  void aCertificateFromAnotherAuthorityIsUnauthenticated() {
    Status status = refusal(overTls("rogue", TestCa.create("rogue CA").issue("cart", CART))
        .service("cart.Rogue").address("127.0.0.1", 7004));
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(status.getDescription()).contains("not trusted");
    assertThat(routes("cart.Rogue")).isNull();
  }

  @Test
  void anExpiredCertificateIsUnauthenticated() {
    Status status = refusal(overTls("expired", CA.issueExpired("cart", CART))
        .service("cart.Expired").address("127.0.0.1", 7005));
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(status.getDescription()).contains("expired");
    assertThat(routes("cart.Expired")).isNull();
  }

  @Test
  void noCertificateAndNoTokenIsUnauthenticated() {
    Status status = refusal(GatewayRegistration.builder()
        .gateway("127.0.0.1:" + gateway.tlsAddress().getPort())
        .tls(dir.resolve("ca.crt"), null, null)
        .service("cart.Anonymous").address("127.0.0.1", 7006));
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(routes("cart.Anonymous")).isNull();
  }

  @Test
  void tokensKeepWorkingAlongsideOnBothListeners() {
    try (GatewayRegistration plain = GatewayRegistration.builder()
            .gateway("127.0.0.1:" + gateway.address().getPort()).token(TOKEN)
            .service("token.Plain").address("127.0.0.1", 7007).start();
        GatewayRegistration tls = overTls("cart-token", CA.issue("cart", CART)).token(TOKEN)
            .service("token.Tls").address("127.0.0.1", 7008).start()) {
      assertThat(routes("token.Plain").size()).isEqualTo(1);
      assertThat(routes("token.Tls").size()).isEqualTo(1);
    }
  }

  @Test
  void certificateMetadataSentByAClientIsNotBelieved() throws Exception {
    // A client claiming the allowed certificate through the gateway's own metadata names, over the
    // plaintext listener and over TLS without a certificate: both are strangers.
    String claimed = java.util.Base64.getEncoder().encodeToString(CA.issue("cart", CART).certificate().getEncoded());
    io.grpc.Metadata forged = new io.grpc.Metadata();
    forged.put(io.grpc.Metadata.Key.of("opizontas-client-certificate", io.grpc.Metadata.ASCII_STRING_MARSHALLER), claimed);
    forged.put(io.grpc.Metadata.Key.of("opizontas-client-certificate-proof", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "guess");
    io.grpc.ManagedChannel plaintext = io.grpc.ManagedChannelBuilder
        .forTarget("127.0.0.1:" + gateway.address().getPort()).usePlaintext().build();
    io.grpc.ManagedChannel tls = io.grpc.Grpc.newChannelBuilder("127.0.0.1:" + gateway.tlsAddress().getPort(),
        io.grpc.TlsChannelCredentials.newBuilder().trustManager(dir.resolve("ca.crt").toFile()).build()).build();
    try {
      for (io.grpc.ManagedChannel channel : java.util.List.of(plaintext, tls)) {
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
            () -> io.opizontas.registry.v1.RegistryGrpc.newBlockingStub(channel)
                .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(forged))
                .register(io.opizontas.registry.v1.RegisterRequest.newBuilder().addServices("cart.Spoofed")
                    .setEndpoint(io.opizontas.registry.v1.Endpoint.newBuilder().setHost("127.0.0.1").setPort(7009))
                    .build()));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      }
    } finally {
      plaintext.shutdownNow();
      tls.shutdownNow();
    }
    assertThat(routes("cart.Spoofed")).isNull();
  }
}

package io.opizontas.gateway.plugins.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.TestCa;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 256 MiB up and 256 MiB down through a gateway running at {@code -Xmx64m} in a JVM of its own,
 * TLS with a client certificate on the client leg and mutual TLS to the backend: both calls
 * complete (the gateway holds a window per call, not the stream), and the gateway's tracking pool
 * reports every buffer released.
 */
class TlsMemoryIT {

  private static final int MESSAGE = 64 * 1024;
  private static final int MESSAGES = 256 * 1024 * 1024 / MESSAGE;
  private static final MethodDescriptor<byte[], byte[]> DOWNLOAD = ByteService.PRODUCE;

  @TempDir Path dir;

  /** ByteService's Count for uploads; Produce here respects flow control (sends while ready). */
  private static ServerServiceDefinition service() {
    ServerServiceDefinition counting = new ByteService().definition();
    return ServerServiceDefinition.builder(ByteService.SERVICE)
        .addMethod(counting.getMethod(ByteService.COUNT.getFullMethodName()))
        .addMethod(DOWNLOAD, ServerCalls.asyncServerStreamingCall((request, response) -> {
          ServerCallStreamObserver<byte[]> out = (ServerCallStreamObserver<byte[]>) response;
          ByteBuffer spec = ByteBuffer.wrap(request);
          int[] left = {spec.getInt()};
          byte[] message = new byte[spec.getInt()];
          out.setOnReadyHandler(() -> {
            while (out.isReady() && left[0] > 0) {
              out.onNext(message);
              left[0]--;
            }
            if (left[0] == 0) {
              left[0] = -1;
              out.onCompleted();
            }
          });
        }))
        .build();
  }

  @Test
  void twoHundredFiftySixMebibytesEachWayThroughTlsAtSixtyFourMegabytesOfHeap() throws Exception {
    TestCa ca = TestCa.create("memory CA");
    ca.issue("gateway", "127.0.0.1").writePem(dir, "gateway");
    ca.writeCertificate(dir.resolve("ca.crt"));
    TestCa.Issued backendCert = ca.issue("backend", "127.0.0.1");
    TestCa.Issued client = ca.issue("client");
    Path plugins = Files.createDirectory(dir.resolve("plugins"));
    Files.copy(Path.of(System.getProperty("plugin.jar")), plugins.resolve("tls-providers.jar"));
    Path config = Files.writeString(dir.resolve("gateway.toml"), """
        [plugins]
        directory = "%1$s/plugins"
        [server]
        listen = "127.0.0.1:0"
        drain_timeout = "0s"
        [server.tls]
        listen = "127.0.0.1:0"
        provider = "pem-files"
        client_auth = "require"
        cert = "%1$s/gateway.crt"
        key = "%1$s/gateway.key"
        ca = "%1$s/ca.crt"
        [registration]
        enabled = false
        [upstream.tls]
        provider = "pem-files"
        require = true
        cert = "%1$s/gateway.crt"
        key = "%1$s/gateway.key"
        ca = "%1$s/ca.crt"
        """.formatted(dir));

    ServerServiceDefinition definition = service();
    io.grpc.netty.shaded.io.netty.handler.ssl.SslContext backendTls = GrpcSslContexts.configure(
            SslContextBuilder.forServer(backendCert.key(), backendCert.chain().toArray(X509Certificate[]::new)))
        .trustManager(ca.certificate()).clientAuth(ClientAuth.REQUIRE).build();
    Process gateway = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx64m", "-cp", System.getProperty("java.class.path"), TlsGatewayProcess.class.getName(), config.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
    PrintWriter in = new PrintWriter(gateway.getOutputStream(), true, StandardCharsets.UTF_8);
    try (GrpcBackend backend = GrpcBackend.start(builder -> builder.sslContext(backendTls).addService(definition), null)) {
      int port = Integer.parseInt(line(out, "READY ").substring("READY ".length()));
      in.println("route " + ByteService.SERVICE + " 127.0.0.1:" + backend.port());
      line(out, "ROUTED");
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
          .sslContext(GrpcSslContexts.forClient().trustManager(ca.certificate())
              .keyManager(client.key(), client.chain().toArray(X509Certificate[]::new)).build())
          .build();
      try {
        assertThat(upload(channel)).isEqualTo((long) MESSAGES * MESSAGE);
        long downloaded = 0;
        Iterator<byte[]> download = ClientCalls.blockingServerStreamingCall(channel, DOWNLOAD,
            CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.MINUTES),
            ByteBuffer.allocate(8).putInt(MESSAGES).putInt(MESSAGE).array());
        while (download.hasNext()) {
          downloaded += download.next().length;
        }
        assertThat(downloaded).isEqualTo((long) MESSAGES * MESSAGE);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      in.println("stop");
      String leaks = line(out, "LEAKS ");
      assertThat(leaks).isEqualTo("LEAKS 0");
      long heap = Long.parseLong(line(out, "HEAP_AFTER_GC ").substring("HEAP_AFTER_GC ".length()));
      assertThat(heap).as("heap in use after the last collection").isLessThan(48L * 1024 * 1024);
      assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      gateway.destroyForcibly();
    }
  }

  /** Sends MESSAGES messages as flow control allows; returns the bytes the backend counted. */
  private static long upload(ManagedChannel channel) throws Exception {
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    byte[] message = new byte[MESSAGE];
    ClientCalls.asyncClientStreamingCall(channel.newCall(ByteService.COUNT,
        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.MINUTES)), new ClientResponseObserver<byte[], byte[]>() {
          int sent;

          @Override
          public void beforeStart(ClientCallStreamObserver<byte[]> requests) {
            requests.setOnReadyHandler(() -> {
              while (requests.isReady() && sent < MESSAGES) {
                requests.onNext(message);
                sent++;
              }
              if (sent == MESSAGES) {
                sent++;
                requests.onCompleted();
              }
            });
          }

          @Override
          public void onNext(byte[] value) {
            result.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    return ByteBuffer.wrap(result.get(5, TimeUnit.MINUTES)).getLong(8);
  }

  /** The next line of the gateway's output starting with {@code prefix}, skipping its log lines. */
  private static String line(BufferedReader out, String prefix) throws Exception {
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.startsWith(prefix)) {
        return line;
      }
    }
    throw new AssertionError("the gateway process ended before printing " + prefix);
  }
}

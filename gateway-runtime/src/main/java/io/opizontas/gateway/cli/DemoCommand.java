package io.opizontas.gateway.cli;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.opizontas.registry.v1.DeregisterRequest;
import io.opizontas.registry.v1.Endpoint;
import io.opizontas.registry.v1.RegisterRequest;
import io.opizontas.registry.v1.RegisterResponse;
import io.opizontas.registry.v1.RegistryGrpc;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code opizontas demo}: shows a call routed, end to end, against a running gateway. It starts a
 * tiny backend of its own, registers it through the gateway's registration API the way a real
 * service would, calls it through the gateway, prints each step, and deregisters.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Starts a demo backend, registers it with a running gateway, and calls it through the gateway.",
      "The token is the one the gateway logged at start-up (or one of your [[registration.tokens]])."
    })
final class DemoCommand implements Callable<Integer> {

  static final String SERVICE = "opizontas.demo.Echo";
  private static final MethodDescriptor<byte[], byte[]> SAY = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Say"))
      .setRequestMarshaller(RawBytes.INSTANCE)
      .setResponseMarshaller(RawBytes.INSTANCE)
      .build();

  @Spec private CommandSpec spec;

  @Option(names = "--gateway", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:50051",
      description = "Where the gateway listens (default: ${DEFAULT-VALUE}).")
  private String gateway;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "A registration token the gateway accepts (not needed with --tls and a certificate entry).")
  private String token;

  @Option(names = "--tls", paramLabel = "DIR", description = {
      "Speak TLS: DIR holds what 'opizontas certs' wrote. The demo calls the gateway's TLS listener",
      "presenting client.crt, and its backend serves TLS with backend.crt, requiring a client",
      "certificate (the gateway's), so both legs are mutual TLS."})
  private Path tls;

  /**
   * Whether nothing listens at the gateway's address. grpc-java says only "UNAVAILABLE: io
   * exception"; the connection refusal is in the cause.
   */
  private static boolean refused(StatusRuntimeException e) {
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (token == null && tls == null) {
      err.println("opizontas demo: give --token (the gateway logs one at start-up), or --tls DIR to register"
          + " with the client certificate of 'opizontas certs'");
      return 2;
    }
    if (tls != null && !java.nio.file.Files.isRegularFile(tls.resolve("client.crt"))) {
      err.println("opizontas demo: " + tls + " has no client.crt: make the files with 'opizontas certs --out " + tls + "'");
      return 2;
    }
    NettyServerBuilder backendBuilder = tls == null
        ? NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        : NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), TlsServerCredentials.newBuilder()
            .keyManager(tls.resolve("backend.crt").toFile(), tls.resolve("backend.key").toFile())
            .trustManager(tls.resolve("ca.crt").toFile())
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
            .build());
    Server backend = backendBuilder
        .addService(ServerServiceDefinition.builder(SERVICE)
            .addMethod(SAY, ServerCalls.asyncUnaryCall((request, response) -> {
              response.onNext(("hello, " + new String(request, StandardCharsets.UTF_8)
                  + ", from the demo backend").getBytes(StandardCharsets.UTF_8));
              response.onCompleted();
            }))
            .build())
        .build()
        .start();
    ManagedChannel channel = tls == null
        ? NettyChannelBuilder.forTarget(gateway).usePlaintext().build()
        : Grpc.newChannelBuilder(gateway, TlsChannelCredentials.newBuilder()
            .trustManager(tls.resolve("ca.crt").toFile())
            .keyManager(tls.resolve("client.crt").toFile(), tls.resolve("client.key").toFile())
            .build()).build();
    try {
      out.printf("1. Demo backend %s listening on 127.0.0.1:%d%s%n", SERVICE, backend.getPort(),
          tls == null ? "" : " (TLS, client certificate required)");
      Metadata credentials = new Metadata();
      if (token != null) {
        credentials.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
      }
      RegistryGrpc.RegistryBlockingStub registry = RegistryGrpc.newBlockingStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(credentials))
          .withDeadlineAfter(10, TimeUnit.SECONDS);
      RegisterResponse lease = registry.register(RegisterRequest.newBuilder()
          .addServices(SERVICE)
          .setEndpoint(Endpoint.newBuilder().setHost("127.0.0.1").setPort(backend.getPort()))
          .build());
      out.printf("2. Registered it with the gateway at %s%s (lease ttl %ds)%n", gateway,
          tls == null ? "" : token == null ? " over TLS, by client certificate" : " over TLS", lease.getTtl().getSeconds());
      byte[] reply = ClientCalls.blockingUnaryCall(channel, SAY,
          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "newcomer".getBytes(StandardCharsets.UTF_8));
      out.printf("3. Called /%s/Say through the gateway: \"%s\"%n", SERVICE, new String(reply, StandardCharsets.UTF_8));
      registry.deregister(DeregisterRequest.newBuilder().setLeaseId(lease.getLeaseId()).build());
      out.println("4. Deregistered the demo backend. Done.");
      return 0;
    } catch (StatusRuntimeException e) {
      err.println("opizontas demo: " + (refused(e)
          ? "no gateway answers at " + gateway + " (connection refused). Start one with 'opizontas run'"
              + " (bin/opizontas run in the distribution), or point --gateway at the address yours listens on."
          : e.getStatus().getCode() + ": " + e.getStatus().getDescription()));
      return 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}

package io.opizontas.gateway.testing;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.testing.integration.AbstractInteropTest;
import io.grpc.testing.integration.TestServiceImpl;
import io.opizontas.gateway.api.Endpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A real grpc-java server on 127.0.0.1 and an ephemeral port, for tests. */
public final class GrpcBackend implements AutoCloseable {

  private final Server server;
  private final ScheduledExecutorService executor;

  private GrpcBackend(Server server, ScheduledExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** grpc-java's interop test service, as its own interop server runs it. */
  public static GrpcBackend interop() throws IOException {
    return interop(builder -> { });
  }

  /** The interop service on a server the caller configures further (TLS, for one). */
  public static GrpcBackend interop(Consumer<NettyServerBuilder> configure) throws IOException {
    ScheduledExecutorService executor = Executors.newScheduledThreadPool(2);
    ServerServiceDefinition service =
        ServerInterceptors.intercept(new TestServiceImpl(executor), TestServiceImpl.interceptors());
    return start(builder -> configure.accept(builder.addService(service)), executor);
  }

  /** A server with the given services. */
  public static GrpcBackend of(BindableService... services) throws IOException {
    return start(builder -> {
      for (BindableService service : services) {
        builder.addService(service);
      }
    }, null);
  }

  /** A server the caller configures further (keepalive policy, interceptors...). */
  public static GrpcBackend start(Consumer<NettyServerBuilder> configure, ScheduledExecutorService executor)
      throws IOException {
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .maxInboundMessageSize(AbstractInteropTest.MAX_MESSAGE_SIZE);
    configure.accept(builder);
    return new GrpcBackend(builder.build().start(), executor);
  }

  public int port() {
    return server.getPort();
  }

  public Endpoint endpoint() {
    return Endpoint.of("127.0.0.1", port());
  }

  /** Kills the server at once: open connections are dropped, not drained. */
  public void kill() {
    server.shutdownNow();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}

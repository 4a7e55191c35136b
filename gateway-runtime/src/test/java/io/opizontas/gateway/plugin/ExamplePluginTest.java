package io.opizontas.gateway.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.testing.integration.EmptyProtos;
import io.grpc.testing.integration.Messages;
import io.grpc.testing.integration.TestServiceGrpc;
import io.grpc.testing.integration.TestServiceImpl;
import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.config.PluginsConfig;
import io.opizontas.gateway.plugin.fixtures.StaticRegistry;
import io.opizontas.gateway.proxy.CallFilters;
import io.opizontas.gateway.proxy.FilteredCall;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ExamplePlugin;
import io.opizontas.gateway.testing.TestGateways;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example third-party plugin ({@code plugins/example-greeting}, built by the reactor against
 * gateway-api alone) installed into a plugins directory, as its guide says, and seen taking effect.
 */
class ExamplePluginTest {

  private static final Map<String, Object> SETTINGS = Map.of(
      "greeting", "hello from the example",
      "closed_methods", List.of("grpc.testing.TestService/UnaryCall"));

  @TempDir Path plugins;

  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  private Plugins loaded;

  @AfterEach
  void close() {
    if (loaded != null) {
      loaded.close();
    }
    scheduler.shutdownNow();
  }

  private void installExample() throws IOException {
    ExamplePlugin.install(plugins);
  }

  @Test
  void greetsCallsBothWaysAndClosesTheMethodsItIsTold() throws Exception {
    installExample();
    loaded = Plugins.load(plugins, Clock.systemUTC(), scheduler);
    CallFilters chain = loaded.startChain(List.of(new PluginSection("example-greeting", SETTINGS, "gateway.toml:10")));

    HttpFields.Mutable request = HttpFields.build().add("content-type", "application/grpc");
    FilteredCall open = chain.onRequest("grpc.testing.TestService", "EmptyCall", request).toCompletableFuture().get(5, TimeUnit.SECONDS);
    HttpFields.Mutable response = HttpFields.build().add("content-type", "application/grpc");
    open.onResponseHeaders(response).toCompletableFuture().get(5, TimeUnit.SECONDS);
    FilteredCall closed = chain.onRequest("grpc.testing.TestService", "UnaryCall", HttpFields.build())
        .toCompletableFuture().get(5, TimeUnit.SECONDS);

    assertThat(open.rejection()).isNull();
    assertThat(request.get("x-greeting")).isEqualTo("hello from the example");
    assertThat(response.get("x-greeting")).isEqualTo("hello from the example");
    assertThat(closed.rejection()).isEqualTo(GrpcStatus.of(GrpcStatusCode.PERMISSION_DENIED, "UnaryCall is closed"));
    assertThat(loaded.metrics("example-greeting")).containsEntry("closed_method_calls_total", 1.0);
  }

  @Test
  void takesEffectOnARealCallThroughTheGateway() throws Exception {
    installExample();
    PluginJar.id("static-fixture").extension(StaticRegistry.class).writeTo(plugins);
    AtomicReference<String> backendSaw = new AtomicReference<>();
    Server backend = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(ServerInterceptors.intercept(new TestServiceImpl(scheduler), recordGreeting(backendSaw)))
        .build()
        .start();
    GatewayConfig local = TestGateways.config();
    GatewayConfig config = local.withPlugins(new PluginsConfig(plugins))
        .withRegistries(List.of(new PluginSection("static-fixture",
            Map.of("services", Map.of("grpc.testing.TestService", List.of("127.0.0.1:" + backend.getPort()))), "gateway.toml:3")))
        .withChain(List.of(new PluginSection("example-greeting", SETTINGS, "gateway.toml:10")));

    try (Gateway gateway = Gateway.start(config)) {
      ManagedChannel channel = Grpc.newChannelBuilderForAddress(
          "127.0.0.1", gateway.address().getPort(), InsecureChannelCredentials.create()).build();
      try {
        AtomicReference<Metadata> clientSaw = new AtomicReference<>();
        TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(channel)
            .withInterceptors(captureHeaders(clientSaw))
            .withDeadlineAfter(10, TimeUnit.SECONDS);

        stub.emptyCall(EmptyProtos.Empty.getDefaultInstance());
        assertThat(backendSaw).hasValue("hello from the example");
        assertThat(clientSaw.get().get(Metadata.Key.of("x-greeting", Metadata.ASCII_STRING_MARSHALLER)))
            .isEqualTo("hello from the example");

        assertThatThrownBy(() -> stub.unaryCall(Messages.SimpleRequest.getDefaultInstance()))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(e.getStatus().getDescription()).isEqualTo("UnaryCall is closed");
            });
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static ServerInterceptor recordGreeting(AtomicReference<String> saw) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        saw.set(headers.get(Metadata.Key.of("x-greeting", Metadata.ASCII_STRING_MARSHALLER)));
        return next.startCall(call, headers);
      }
    };
  }

  private static ClientInterceptor captureHeaders(AtomicReference<Metadata> saw) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onHeaders(Metadata responseHeaders) {
                saw.set(responseHeaders);
                super.onHeaders(responseHeaders);
              }
            }, headers);
          }
        };
      }
    };
  }
}

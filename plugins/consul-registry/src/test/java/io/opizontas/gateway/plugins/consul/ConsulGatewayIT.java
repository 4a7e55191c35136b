package io.opizontas.gateway.plugins.consul;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.CallOptions;
import io.grpc.stub.ClientCalls;
import io.opizontas.gateway.testing.ByteService;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.config.PluginsConfig;
import io.opizontas.gateway.config.RegistrationConfig;
import io.opizontas.gateway.config.ServerConfig;
import io.opizontas.gateway.server.Gateway;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: a real gateway routes to the instances WireMock-as-Consul reports, and follows them
 * as they appear and disappear.
 *
 * <p>Needs {@code Gateway.start} (the data path); until that is merged it fails at the start.
 */
class ConsulGatewayIT {

  /** Any backend service: the gateway serves grpc.health.v1.Health itself, so it cannot be routed. */
  private static final String SERVICE = ByteService.SERVICE;

  @Test
  void routingFollowsConsul(@TempDir Path plugins) throws Exception {
    Path jar = Path.of(System.getProperty("plugin.jar"));
    Files.copy(jar, plugins.resolve(jar.getFileName()));
    Server backend = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new ByteService().definition()).build().start();
    WireMockServer consul = new WireMockServer(options().dynamicPort());
    consul.start();
    healthAnswer(consul, 1, "[{\"Node\": {\"Address\": \"127.0.0.1\"}, \"Service\": {\"Service\": \"" + SERVICE
        + "\", \"Port\": " + backend.getPort() + "}}]");
    ServerConfig d = ServerConfig.defaults();
    GatewayConfig config = GatewayConfig.embedded()
        .withServer(new ServerConfig(new InetSocketAddress("127.0.0.1", 0), d.drainTimeout(), d.maxConcurrentStreams(),
            d.sessionWindow(), d.streamWindow(), d.idleTimeout(), d.maxHeaderListSize()))
        .withPlugins(new PluginsConfig(plugins))
        .withRegistries(List.of(new PluginSection("consul",
            Map.of("address", consul.baseUrl(), "services", List.of(SERVICE), "wait", "1s"), "ConsulGatewayIT")))
        .withRegistration(new RegistrationConfig(false, "memory", Duration.ofSeconds(30), List.of()));
    try (Gateway gateway = Gateway.start(config)) {
      ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", gateway.address().getPort()).usePlaintext().build();
      try {
        assertThat(echo(channel)).containsExactly(7);

        healthAnswer(consul, 2, "[]");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThatThrownBy(() -> echo(channel)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).contains(SERVICE);
            }));

        healthAnswer(consul, 3, "[{\"Node\": {\"Address\": \"127.0.0.1\"}, \"Service\": {\"Service\": \"" + SERVICE
            + "\", \"Port\": " + backend.getPort() + "}}]");
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
            .until(() -> echo(channel).length == 1);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      consul.stop();
      backend.shutdownNow();
    }
  }

  private static void healthAnswer(WireMockServer consul, long index, String body) {
    consul.stubFor(get(urlPathEqualTo("/v1/health/service/" + SERVICE))
        .willReturn(okJson(body).withHeader("X-Consul-Index", String.valueOf(index))));
  }

  private static byte[] echo(ManagedChannel channel) {
    return ClientCalls.blockingUnaryCall(channel, ByteService.ECHO,
        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), new byte[] {7});
  }
}

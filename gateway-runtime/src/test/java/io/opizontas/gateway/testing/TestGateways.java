package io.opizontas.gateway.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.testing.integration.AbstractInteropTest;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.config.ServerConfig;
import io.opizontas.gateway.config.UpstreamConfig;
import io.opizontas.gateway.server.Gateway;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Gateways for tests: bound to 127.0.0.1:0, routing from a static table. */
public final class TestGateways {

  private TestGateways() {}

  /** A config on 127.0.0.1:0 that routes each service to its endpoints. */
  public static GatewayConfig config(Map<String, List<Endpoint>> routes) {
    return config(routes, GatewayConfig.defaults().server().drainTimeout(), GatewayConfig.defaults().upstream());
  }

  /** As {@link #config(Map)}, with a chosen drain timeout and backend connection settings. */
  public static GatewayConfig config(Map<String, List<Endpoint>> routes, Duration drainTimeout,
      UpstreamConfig upstream) {
    GatewayConfig defaults = GatewayConfig.defaults();
    ServerConfig server = defaults.server();
    ServerConfig local = new ServerConfig(new InetSocketAddress("127.0.0.1", 0), drainTimeout,
        server.maxConcurrentStreams(), server.sessionWindow(), server.streamWindow(), server.idleTimeout(),
        server.maxHeaderListSize());
    Map<String, Object> services = new LinkedHashMap<>();
    routes.forEach((service, endpoints) -> services.put(service, endpoints.stream().map(Endpoint::address).toList()));
    List<PluginSection> registries = routes.isEmpty()
        ? List.of()
        : List.of(new PluginSection("static", Map.of("services", services), "test"));
    return new GatewayConfig(local, upstream, defaults.plugins(), registries, defaults.chain());
  }

  public static Gateway start(Map<String, List<Endpoint>> routes) throws Exception {
    return Gateway.start(config(routes));
  }

  /** A plaintext grpc-java channel to the gateway. */
  public static ManagedChannel channel(Gateway gateway) {
    return NettyChannelBuilder.forAddress("127.0.0.1", gateway.address().getPort())
        .usePlaintext()
        .maxInboundMessageSize(AbstractInteropTest.MAX_MESSAGE_SIZE)
        .build();
  }
}

package io.opizontas.gateway.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.testing.integration.AbstractInteropTest;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.RegistrationConfig;
import io.opizontas.gateway.config.ServerConfig;
import io.opizontas.gateway.config.UpstreamConfig;
import io.opizontas.gateway.server.Gateway;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gateways for data-path tests: bound to 127.0.0.1:0, no plugins, no registration API, routes put
 * straight into the gateway's live routing table (the registry plugins have tests of their own).
 */
public final class TestGateways {

  private TestGateways() {}

  /** A config on 127.0.0.1:0 with the default drain timeout and backend settings. */
  public static GatewayConfig config() {
    return config(GatewayConfig.defaults().server().drainTimeout(), GatewayConfig.defaults().upstream());
  }

  /** A config on 127.0.0.1:0 with a chosen drain timeout and backend connection settings. */
  public static GatewayConfig config(Duration drainTimeout, UpstreamConfig upstream) {
    GatewayConfig defaults = GatewayConfig.embedded();
    ServerConfig server = defaults.server();
    ServerConfig local = new ServerConfig(new InetSocketAddress("127.0.0.1", 0), drainTimeout,
        server.maxConcurrentStreams(), server.sessionWindow(), server.streamWindow(), server.idleTimeout(),
        server.maxHeaderListSize());
    RegistrationConfig off = new RegistrationConfig(false, "memory", Duration.ofSeconds(30), List.of());
    return defaults.withServer(local).withUpstream(upstream).withRegistration(off);
  }

  /**
   * The test config ({@link #config()}) with the plugins directory and the call-filter chain of
   * {@code read}, a configuration read from TOML.
   */
  public static GatewayConfig withChainOf(GatewayConfig read) {
    return config().withPlugins(read.plugins()).withChain(read.chain());
  }

  /** A gateway that routes each service to its endpoints. */
  public static Gateway start(Map<String, List<Endpoint>> routes) throws Exception {
    return route(Gateway.start(config()), routes);
  }

  /** Puts {@code routes} into the gateway's routing table; returns the gateway. */
  public static Gateway route(Gateway gateway, Map<String, List<Endpoint>> routes) {
    routes.forEach((service, endpoints) -> {
      Set<Endpoint> set = new LinkedHashSet<>(endpoints);
      gateway.endpoints().sink("test").update(service, set);
    });
    return gateway;
  }

  /** A plaintext grpc-java channel to the gateway. */
  public static ManagedChannel channel(Gateway gateway) {
    return NettyChannelBuilder.forAddress("127.0.0.1", gateway.address().getPort())
        .usePlaintext()
        .maxInboundMessageSize(AbstractInteropTest.MAX_MESSAGE_SIZE)
        .build();
  }
}

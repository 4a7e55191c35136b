package io.opizontas.gateway.routing;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.BalancingStrategy;
import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Round-robin for a gateway with no balancing plugin installed: the embedded default must balance
 * with an empty plugins directory. The {@code balancers} plugin's round-robin takes over when it is
 * installed.
 */
final class BuiltInRoundRobin implements BalancingStrategy {

  @Override
  public String id() {
    return "round-robin";
  }

  @Override
  public void start(PluginConfig config, PluginContext context) {
    config.allowKeys();
  }

  @Override
  public Balancer newBalancer(String service) {
    AtomicInteger cursor = new AtomicInteger();
    return (List<Endpoint> endpoints, Call call) ->
        endpoints.get(Math.floorMod(cursor.getAndIncrement(), endpoints.size()));
  }
}

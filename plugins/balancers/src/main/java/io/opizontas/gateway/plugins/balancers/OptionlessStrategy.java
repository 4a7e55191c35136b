package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.BalancingStrategy;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import java.util.function.Supplier;

/**
 * A strategy that takes no options: an id, and a fresh balancer per service. Any key in its
 * configuration is refused at start.
 */
abstract class OptionlessStrategy implements BalancingStrategy {

  private final String id;
  private final Supplier<Balancer> balancers;

  OptionlessStrategy(String id, Supplier<Balancer> balancers) {
    this.id = id;
    this.balancers = balancers;
  }

  @Override
  public final String id() {
    return id;
  }

  @Override
  public final void start(PluginConfig config, PluginContext context) {
    config.allowKeys();
  }

  @Override
  public final Balancer newBalancer(String service) {
    return balancers.get();
  }
}

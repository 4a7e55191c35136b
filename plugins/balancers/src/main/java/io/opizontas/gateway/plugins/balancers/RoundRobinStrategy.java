package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.BalancingStrategy;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import org.pf4j.Extension;

/**
 * The gateway's default: spreads calls evenly when endpoints are alike, at the lowest cost a pick
 * can have (one atomic increment). Endpoint weights are ignored; use {@code weighted-round-robin}
 * when they matter. Takes no options.
 */
@Extension
public final class RoundRobinStrategy implements BalancingStrategy {

  /** The id this strategy is chosen by in the configuration. */
  public static final String ID = "round-robin";

  @Override
  public String id() {
    return ID;
  }

  @Override
  public void start(PluginConfig config, PluginContext context) {
    config.allowKeys();
  }

  @Override
  public Balancer newBalancer(String service) {
    return new RoundRobinBalancer();
  }
}

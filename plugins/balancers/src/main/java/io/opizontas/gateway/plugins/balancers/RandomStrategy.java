package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.BalancingStrategy;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import org.pf4j.Extension;

/**
 * Uniform random choice: no state shared between gateways or threads, so many gateways in front of
 * the same backends do not fall into step the way independent round-robin cursors can. Endpoint
 * weights are ignored. Takes no options.
 */
@Extension
public final class RandomStrategy implements BalancingStrategy {

  /** The id this strategy is chosen by in the configuration. */
  public static final String ID = "random";

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
    return new RandomBalancer();
  }
}

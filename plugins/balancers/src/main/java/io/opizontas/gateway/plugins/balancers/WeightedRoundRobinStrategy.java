package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.BalancingStrategy;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import org.pf4j.Extension;

/**
 * Shares calls by {@link io.opizontas.gateway.api.Endpoint#weight()} (from a registration, a static
 * {@code { address, weight }} entry or registry metadata) for fleets of unequal machines. It is
 * nginx's smooth variant so the heaviest endpoint is never sent a burst of consecutive calls: with
 * weights 5:3:1 one cycle of nine picks is {@code a b a c a b a b a}.
 *
 * <p>The scores are kept per endpoint list instance and start over when the set changes, as nginx
 * starts over on reload. Takes no options.
 */
@Extension
public final class WeightedRoundRobinStrategy implements BalancingStrategy {

  /** The id this strategy is chosen by in the configuration. */
  public static final String ID = "weighted-round-robin";

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
    return new SmoothWeightedBalancer();
  }
}

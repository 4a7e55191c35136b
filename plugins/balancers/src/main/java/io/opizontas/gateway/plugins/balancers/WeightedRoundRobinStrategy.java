package io.opizontas.gateway.plugins.balancers;

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
public final class WeightedRoundRobinStrategy extends OptionlessStrategy {

  /** The id this strategy is chosen by in the configuration. */
  public static final String ID = "weighted-round-robin";

  public WeightedRoundRobinStrategy() {
    super(ID, SmoothWeightedBalancer::new);
  }
}

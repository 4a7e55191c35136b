package io.opizontas.gateway.plugins.balancers;

import org.pf4j.Extension;

/**
 * The gateway's default: spreads calls evenly when endpoints are alike, at the lowest cost a pick
 * can have (one atomic increment). Endpoint weights are ignored; use {@code weighted-round-robin}
 * when they matter. Takes no options.
 */
@Extension
public final class RoundRobinStrategy extends OptionlessStrategy {

  /** The id this strategy is chosen by in the configuration. */
  public static final String ID = "round-robin";

  public RoundRobinStrategy() {
    super(ID, RoundRobinBalancer::new);
  }
}

package io.opizontas.gateway.plugins.balancers;

import org.pf4j.Extension;

/**
 * Uniform random choice: no state shared between gateways or threads, so many gateways in front of
 * the same backends do not fall into step the way independent round-robin cursors can. Endpoint
 * weights are ignored. Takes no options.
 */
@Extension
public final class RandomStrategy extends OptionlessStrategy {

  /** The id this strategy is chosen by in the configuration. */
  public static final String ID = "random";

  public RandomStrategy() {
    super(ID, RandomBalancer::new);
  }
}

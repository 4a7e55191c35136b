package io.opizontas.gateway.plugins.balancers;

import org.pf4j.Extension;

/**
 * Sends fewer calls to endpoints that are slow right now, without any shared view of latency: a
 * slow endpoint accumulates calls in flight, and the power of two random choices steers away from
 * it while staying random enough that many gateways do not all pile onto the same least-loaded
 * endpoint.
 *
 * <p>Counts only what this balancer routed, so it relies on the runtime calling {@link
 * io.opizontas.gateway.api.Balancer#onCallEnded} exactly once for every pick; a missed call leaves
 * the endpoint looking busy for good. Endpoint weights are ignored. Takes no options.
 */
@Extension
public final class LeastRequestStrategy extends OptionlessStrategy {

  /** The id this strategy is chosen by in the configuration. */
  public static final String ID = "least-request";

  public LeastRequestStrategy() {
    super(ID, LeastRequestBalancer::new);
  }
}

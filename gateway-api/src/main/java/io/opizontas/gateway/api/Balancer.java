package io.opizontas.gateway.api;

import java.util.List;

/**
 * Picks one endpoint per call for one service. Made by {@link BalancingStrategy#newBalancer}.
 *
 * <p><b>Threading.</b> {@link #pick} runs on the data path for every call, concurrently from many
 * threads: it must be thread-safe, lock-free in the common case, and must not block or do I/O.
 *
 * <p><b>Failures.</b> If {@code pick} throws, or returns an endpoint that is not in the list, the
 * call fails with UNAVAILABLE and the gateway logs the plugin id (at most once per ten seconds); other
 * calls go on.
 */
public interface Balancer {

  /**
   * Picks the endpoint for {@code call}.
   *
   * @param endpoints the service's healthy endpoints: never empty, immutable. The runtime passes the
   *                  same list instance for as long as the set does not change, so a balancer may
   *                  cache what it derives from it (a hash ring, weights) and rebuild only when the
   *                  instance changes.
   * @param call      the call being routed, after every filter ran: read its metadata or attributes
   *                  (a ring-hash key), do not edit them
   * @return one element of {@code endpoints}
   */
  Endpoint pick(List<Endpoint> endpoints, Call call);

  /**
   * Tells the balancer a call it routed to {@code endpoint} has ended, for strategies that track
   * load (least-request). Called once per picked call, from any thread; must be quick. The default
   * ignores it.
   */
  default void onCallEnded(Endpoint endpoint, GrpcStatusCode status) {}
}

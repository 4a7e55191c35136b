package io.opizontas.gateway.health;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.HealthState;

/**
 * One registered endpoint of one service as {@link HealthTable} sees it now, for metrics and the
 * admin API. Routable when its probes pass, it is not ejected and no operator drained it.
 *
 * @param service             the service
 * @param endpoint            the endpoint as its registry reports it
 * @param probes              HEALTHY while probes pass (or when it is not probed), UNHEALTHY after
 *                            {@code unhealthy_threshold} failures in a row
 * @param lastProbe           the last probe's result in words ("not probed yet" when none ran)
 * @param ejected             whether real calls' failures took it out
 * @param ejections           ejections in a row
 * @param consecutiveFailures calls that failed in a row without an answer from the backend
 * @param drained             whether an operator drained it (admin API): no new calls go to it
 */
public record EndpointStatus(String service, Endpoint endpoint, HealthState probes, String lastProbe,
    boolean ejected, int ejections, int consecutiveFailures, boolean drained) {

  /** Whether calls may be routed to the endpoint. */
  public boolean routable() {
    return probes != HealthState.UNHEALTHY && !ejected && !drained;
  }
}

package io.opizontas.gateway.health;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.HealthState;

/**
 * The health of one endpoint for one service: what its probes say and whether real calls ejected
 * it. Mutated only under its {@link ServiceHealth}'s lock; {@link #consecutiveFailures} is also read
 * without it, so that a successful call to an endpoint with no failures costs one volatile read.
 */
final class EndpointHealth {

  final Endpoint endpoint;
  /** False once probes failed {@code unhealthy_threshold} times in a row; true again after enough passes. */
  boolean probePassing = true;
  int probeFailuresInRow;
  int probePassesInRow;
  String lastProbe = "not probed yet";
  volatile int consecutiveFailures;
  boolean ejected;
  /**
   * Set by an operator through the admin API: no new calls, calls on it finish. Kept while the
   * endpoint stays registered; an endpoint that leaves its registry and comes back starts undrained.
   */
  boolean drained;
  /** Ejections in a row (reset when the endpoint stays in for max_time after returning). */
  int ejections;
  long returnedNanos;
  long ejectedUntilNanos;

  EndpointHealth(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  /** The state of an endpoint whose registration changed (weight, metadata) but whose address did not. */
  EndpointHealth carryOver(Endpoint now) {
    EndpointHealth next = new EndpointHealth(now);
    next.probePassing = probePassing;
    next.probeFailuresInRow = probeFailuresInRow;
    next.probePassesInRow = probePassesInRow;
    next.lastProbe = lastProbe;
    next.consecutiveFailures = consecutiveFailures;
    next.ejected = ejected;
    next.drained = drained;
    next.ejections = ejections;
    next.returnedNanos = returnedNanos;
    next.ejectedUntilNanos = ejectedUntilNanos;
    return next;
  }

  boolean routable() {
    return probePassing && !ejected && !drained;
  }

  EndpointStatus status(String service) {
    return new EndpointStatus(service, endpoint, probePassing ? HealthState.HEALTHY : HealthState.UNHEALTHY,
        lastProbe, ejected, ejections, consecutiveFailures, drained);
  }
}

package io.opizontas.gateway.routing;

import io.opizontas.gateway.api.Balancer;

/**
 * What routing keeps per service: its balancer, its retry budget and its zone preference. Made at
 * the service's first call and kept, so none of it is allocated per call.
 */
public final class ServiceRoute {

  private final Balancer balancer;
  private final RetryBudget budget;
  private final ZonePreference zone;

  ServiceRoute(Balancer balancer, RetryBudget budget, ZonePreference zone) {
    this.balancer = balancer;
    this.budget = budget;
    this.zone = zone;
  }

  /** The balancer to pick with, and to tell when the pick's call ends. */
  public Balancer balancer() {
    return balancer;
  }

  /** The service's retry budget. */
  public RetryBudget budget() {
    return budget;
  }

  ZonePreference zone() {
    return zone;
  }
}

package io.opizontas.gateway.api;

/** What a {@link HealthProber} learned about one endpoint. */
public enum HealthState {
  /** The endpoint serves: calls may be routed to it. */
  HEALTHY,
  /** The endpoint answered that it does not serve, or did not answer. */
  UNHEALTHY,
  /**
   * The probe could not tell (for example, the endpoint does not implement the health protocol); the
   * runtime leaves the endpoint's state as it was.
   */
  UNKNOWN
}

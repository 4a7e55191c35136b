package io.opizontas.gateway.config;

import io.opizontas.gateway.api.ServicePattern;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the gateway tells whether an endpoint may take calls ({@code [health]}): active probes by a
 * prober plugin chosen per service, and passive outlier ejection from the outcomes of real calls.
 *
 * @param defaultProber      the prober of services no rule matches (its {@link PluginSection#plugin()}
 *                           is the prober id), or null: no active probing, as without a [health]
 *                           section
 * @param services           the {@code [[health.services]]} rules, in file order; a rule's prober
 *                           may be {@value #NONE}
 * @param interval           time between two probes of one endpoint (jittered by up to a tenth)
 * @param timeout            how long one probe may take before it counts as failed
 * @param unhealthyThreshold failed probes in a row that take an endpoint out of rotation
 * @param healthyThreshold   passed probes in a row that bring it back
 * @param panicPercent       when fewer than this share (percent) of a service's endpoints is
 *                           routable, calls go to all of them (0 = never)
 * @param ejection           passive outlier ejection
 */
public record HealthConfig(
    PluginSection defaultProber,
    List<Rule> services,
    Duration interval,
    Duration timeout,
    int unhealthyThreshold,
    int healthyThreshold,
    int panicPercent,
    Ejection ejection) {

  /** The prober id that switches probing off for the services a rule matches. */
  public static final String NONE = "none";

  private static final HealthConfig DEFAULTS = new HealthConfig(null, List.of(), Duration.ofSeconds(2),
      Duration.ofSeconds(1), 2, 2, 0, Ejection.defaults());

  public HealthConfig {
    services = List.copyOf(services);
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(ejection, "ejection");
  }

  /** No probing, ejection on with its defaults: what a gateway without a [health] section does. */
  public static HealthConfig defaults() {
    return DEFAULTS;
  }

  /** Whether any service is probed at all. */
  public boolean probes() {
    return (defaultProber != null && !NONE.equals(defaultProber.plugin()))
        || services.stream().anyMatch(rule -> !NONE.equals(rule.prober().plugin()));
  }

  /**
   * One {@code [[health.services]]} entry.
   *
   * @param pattern the services it applies to
   * @param prober  the prober id as {@link PluginSection#plugin()} (or {@value #NONE}), with its
   *                options as the section's settings
   */
  public record Rule(ServicePattern pattern, PluginSection prober) {}

  /**
   * Passive outlier ejection ({@code [health.ejection]}): an endpoint whose calls fail in a row
   * without the backend answering (connect failures, resets, connection lost) is taken out for a
   * while.
   *
   * @param consecutiveFailures failures in a row that eject an endpoint (0 = ejection off)
   * @param baseTime            the first ejection's length; the n-th in a row lasts n times as long
   * @param maxTime             the longest ejection
   * @param maxPercent          the largest share (percent, rounded down) of a service's endpoints
   *                            ejected at once
   */
  public record Ejection(int consecutiveFailures, Duration baseTime, Duration maxTime, int maxPercent) {

    public Ejection {
      Objects.requireNonNull(baseTime, "baseTime");
      Objects.requireNonNull(maxTime, "maxTime");
    }

    /** 5 failures, 10 s growing to at most 300 s, at most half of a service's endpoints. */
    public static Ejection defaults() {
      return new Ejection(5, Duration.ofSeconds(10), Duration.ofSeconds(300), 50);
    }
  }
}

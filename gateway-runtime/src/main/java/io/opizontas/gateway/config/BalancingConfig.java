package io.opizontas.gateway.config;

import io.opizontas.gateway.api.ServicePattern;
import java.util.List;
import java.util.Map;

/**
 * How calls are spread over a service's endpoints ({@code [balancing]}): a default strategy, and
 * per-service rules chosen by service pattern, each naming a strategy and its options.
 *
 * @param defaultStrategy the strategy of services no rule matches, with no options; its {@link
 *     PluginSection#plugin()} is the strategy id and its origin the {@code default} key's line
 * @param services        the {@code [[balancing.services]]} rules, in file order
 * @param zone            the zone whose endpoints calls prefer ({@code [balancing] zone}); empty when
 *                        the file sets none, and then the {@value #ZONE_VARIABLE} environment
 *                        variable decides
 * @param retries         how calls that never reached a backend are tried again
 */
public record BalancingConfig(PluginSection defaultStrategy, List<Rule> services, String zone, Retries retries) {

  /** The strategy used when nothing is configured: available even with no plugins installed. */
  public static final String ROUND_ROBIN = "round-robin";

  /** The environment variable that names the gateway's zone when {@code [balancing] zone} is unset. */
  public static final String ZONE_VARIABLE = "OPIZONTAS_ZONE";

  /** One instance, so that a configuration without [balancing] equals the embedded default. */
  private static final BalancingConfig DEFAULTS =
      new BalancingConfig(new PluginSection(ROUND_ROBIN, Map.of(), "the default [balancing]"), List.of(), "",
          Retries.DEFAULTS);

  public BalancingConfig {
    services = List.copyOf(services);
    zone = zone == null ? "" : zone;
  }

  /** Strategies only: no zone of its own, default retries. */
  public BalancingConfig(PluginSection defaultStrategy, List<Rule> services) {
    this(defaultStrategy, services, "", Retries.DEFAULTS);
  }

  /** Round-robin for every service: what a gateway without a [balancing] section does. */
  public static BalancingConfig defaults() {
    return DEFAULTS;
  }

  /**
   * One {@code [[balancing.services]]} entry.
   *
   * @param pattern  the services it applies to ({@code cart.*}, {@code helloworld.Greeter}, {@code *})
   * @param strategy the strategy id as {@link PluginSection#plugin()}, and its options as the
   *                 section's settings
   */
  public record Rule(ServicePattern pattern, PluginSection strategy) {}

  /**
   * {@code [balancing.retries]}: a call that never reached a backend (connection refused or timed
   * out, its stream refused or above a GOAWAY's last stream) is tried on another endpoint.
   *
   * @param attempts      tries per call, the first included; 1 turns retries off
   * @param budgetPercent the share of a service's calls in flight that may be retrying at once
   * @param budgetMin     retrying calls always allowed per service, however few calls are in flight
   */
  public record Retries(int attempts, int budgetPercent, int budgetMin) {

    /** 3 attempts, 20% of the calls in flight, at least 3. */
    public static final Retries DEFAULTS = new Retries(3, 20, 3);
  }
}

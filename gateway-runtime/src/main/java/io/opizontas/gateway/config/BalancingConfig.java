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
 */
public record BalancingConfig(PluginSection defaultStrategy, List<Rule> services) {

  /** The strategy used when nothing is configured: available even with no plugins installed. */
  public static final String ROUND_ROBIN = "round-robin";

  /** One instance, so that a configuration without [balancing] equals the embedded default. */
  private static final BalancingConfig DEFAULTS =
      new BalancingConfig(new PluginSection(ROUND_ROBIN, Map.of(), "the default [balancing]"), List.of());

  public BalancingConfig {
    services = List.copyOf(services);
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
}

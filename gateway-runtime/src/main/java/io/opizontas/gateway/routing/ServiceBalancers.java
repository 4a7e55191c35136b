package io.opizontas.gateway.routing;

import io.opizontas.gateway.api.BalancingStrategy;
import io.opizontas.gateway.api.ServicePattern;
import io.opizontas.gateway.config.BalancingConfig;
import io.opizontas.gateway.config.PluginSection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The balancer of each service: the strategy of the most specific {@code [[balancing.services]]}
 * pattern that matches it (the first written among equally specific ones), else the default
 * strategy. A service's balancer is made at its first call and kept, so its state (a cursor, a ring,
 * in-flight counts) lives as long as the gateway; so are its retry budget and zone preference, in
 * its {@link ServiceRoute}.
 */
public final class ServiceBalancers {

  private record Rule(ServicePattern pattern, BalancingStrategy strategy) {}

  private final BalancingStrategy fallback;
  private final List<Rule> rules;
  private final BalancingConfig.Retries retries;
  private final String zone;
  private final Map<String, ServiceRoute> byService = new ConcurrentHashMap<>();

  private ServiceBalancers(BalancingStrategy fallback, List<Rule> rules, BalancingConfig.Retries retries, String zone) {
    this.fallback = fallback;
    this.rules = List.copyOf(rules);
    this.retries = retries;
    this.zone = zone;
  }

  /** Round-robin for every service, as with no {@code [balancing]} section and no plugins. */
  public static ServiceBalancers roundRobin() {
    return new ServiceBalancers(new BuiltInRoundRobin(), List.of(), BalancingConfig.Retries.DEFAULTS, "");
  }

  /**
   * Starts the strategies {@code config} names.
   *
   * @param environmentZone the zone the environment names ({@value BalancingConfig#ZONE_VARIABLE}),
   *     used when the configuration names none; null or empty for none
   * @param starter starts the strategy a section names, or answers null when no plugin has its id
   * @throws io.opizontas.gateway.config.ConfigException naming the file, line and key of an id no
   *     plugin contributes
   */
  public static ServiceBalancers start(BalancingConfig config, String environmentZone,
      Function<PluginSection, BalancingStrategy> starter) {
    BalancingStrategy fallback = strategy(config.defaultStrategy(), "default", starter);
    List<Rule> rules = new ArrayList<>();
    for (BalancingConfig.Rule rule : config.services()) {
      rules.add(new Rule(rule.pattern(), strategy(rule.strategy(), "strategy", starter)));
    }
    String zone = !config.zone().isEmpty() ? config.zone() : environmentZone == null ? "" : environmentZone.trim();
    return new ServiceBalancers(fallback, rules, config.retries(), zone);
  }

  private static BalancingStrategy strategy(PluginSection section, String key,
      Function<PluginSection, BalancingStrategy> starter) {
    BalancingStrategy strategy = starter.apply(section);
    if (strategy != null) {
      return strategy;
    }
    if (BalancingConfig.ROUND_ROBIN.equals(section.plugin()) && section.settings().isEmpty()) {
      return new BuiltInRoundRobin();
    }
    throw section.keys().refuse(key, "no installed plugin contributes the balancing strategy '" + section.plugin()
        + "' (the built-in plugin 'balancers' offers round-robin, random, weighted-round-robin, least-request and"
        + " ring-hash)");
  }

  /** The route of {@code service}, its balancer made by its strategy at the service's first call. */
  public ServiceRoute forService(String service) {
    ServiceRoute route = byService.get(service);
    return route != null ? route : byService.computeIfAbsent(service, s ->
        new ServiceRoute(strategyFor(s).newBalancer(s), new RetryBudget(retries), new ZonePreference(zone)));
  }

  /** The tries per call {@code [balancing.retries] attempts} allows, the first included. */
  public int attempts() {
    return retries.attempts();
  }

  private BalancingStrategy strategyFor(String service) {
    Rule best = null;
    for (Rule rule : rules) {
      if (rule.pattern().matches(service) && (best == null || rule.pattern().specificity() > best.pattern().specificity())) {
        best = rule;
      }
    }
    return best == null ? fallback : best.strategy();
  }
}

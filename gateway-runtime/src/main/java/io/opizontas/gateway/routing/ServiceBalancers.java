package io.opizontas.gateway.routing;

import io.opizontas.gateway.api.Balancer;
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
 * in-flight counts) lives as long as the gateway.
 */
public final class ServiceBalancers {

  private record Rule(ServicePattern pattern, BalancingStrategy strategy) {}

  private final BalancingStrategy fallback;
  private final List<Rule> rules;
  private final Map<String, Balancer> byService = new ConcurrentHashMap<>();

  private ServiceBalancers(BalancingStrategy fallback, List<Rule> rules) {
    this.fallback = fallback;
    this.rules = List.copyOf(rules);
  }

  /** Round-robin for every service, as with no {@code [balancing]} section and no plugins. */
  public static ServiceBalancers roundRobin() {
    return new ServiceBalancers(new BuiltInRoundRobin(), List.of());
  }

  /**
   * Starts the strategies {@code config} names.
   *
   * @param starter starts the strategy a section names, or answers null when no plugin has its id
   * @throws io.opizontas.gateway.config.ConfigException naming the file, line and key of an id no
   *     plugin contributes
   */
  public static ServiceBalancers start(BalancingConfig config, Function<PluginSection, BalancingStrategy> starter) {
    BalancingStrategy fallback = strategy(config.defaultStrategy(), "default", starter);
    List<Rule> rules = new ArrayList<>();
    for (BalancingConfig.Rule rule : config.services()) {
      rules.add(new Rule(rule.pattern(), strategy(rule.strategy(), "strategy", starter)));
    }
    return new ServiceBalancers(fallback, rules);
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

  /** The balancer of {@code service}, made by its strategy at the service's first call. */
  public Balancer forService(String service) {
    Balancer balancer = byService.get(service);
    return balancer != null ? balancer : byService.computeIfAbsent(service, s -> strategyFor(s).newBalancer(s));
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

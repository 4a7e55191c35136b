package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.BalancingStrategy;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.api.testing.TestCall;
import io.opizontas.gateway.api.testing.TestPluginContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Starting strategies and counting where their picks go. */
final class Picks {

  private Picks() {}

  static Balancer balancer(BalancingStrategy strategy, Map<String, Object> options) throws Exception {
    // The built-in strategies start no threads, so the context's executors never start any.
    strategy.start(new TablePluginConfig("balancers", options), new TestPluginContext("balancers"));
    return strategy.newBalancer("test.Service");
  }

  static Balancer balancer(BalancingStrategy strategy) throws Exception {
    return balancer(strategy, Map.of());
  }

  /** A call without metadata, to a service of the tests. */
  static TestCall call() {
    return new TestCall("test.Service", "Call");
  }

  /** Endpoints 10.0.0.1:7000, 10.0.0.2:7000, ... as one immutable list. */
  static List<Endpoint> endpoints(int count) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      endpoints.add(Endpoint.of("10.0.0." + i, 7000));
    }
    return List.copyOf(endpoints);
  }

  /** How many of {@code count} key-less picks each endpoint got. */
  static Map<Endpoint, Integer> count(Balancer balancer, List<Endpoint> endpoints, int count) {
    Map<Endpoint, Integer> counts = new HashMap<>();
    TestCall call = call();
    for (int i = 0; i < count; i++) {
      counts.merge(balancer.pick(endpoints, call), 1, Integer::sum);
    }
    return counts;
  }
}

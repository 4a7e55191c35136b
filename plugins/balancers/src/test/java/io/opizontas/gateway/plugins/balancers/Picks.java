package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.BalancingStrategy;
import io.opizontas.gateway.api.Endpoint;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Starting strategies and counting where their picks go. */
final class Picks {

  private Picks() {}

  static Balancer balancer(BalancingStrategy strategy, Map<String, Object> options) throws Exception {
    strategy.start(new MapConfig(options), new TestContext());
    return strategy.newBalancer("test.Service");
  }

  static Balancer balancer(BalancingStrategy strategy) throws Exception {
    return balancer(strategy, Map.of());
  }

  /** How many of {@code count} key-less picks each endpoint got. */
  static Map<Endpoint, Integer> count(Balancer balancer, List<Endpoint> endpoints, int count) {
    Map<Endpoint, Integer> counts = new HashMap<>();
    TestCall call = TestCall.withoutMetadata();
    for (int i = 0; i < count; i++) {
      counts.merge(balancer.pick(endpoints, call), 1, Integer::sum);
    }
    return counts;
  }
}

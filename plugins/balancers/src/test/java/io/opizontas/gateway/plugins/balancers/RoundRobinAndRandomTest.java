package io.opizontas.gateway.plugins.balancers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.PluginConfigException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoundRobinAndRandomTest {

  private final List<Endpoint> three = Picks.endpoints(3);

  @Test
  void roundRobinGivesThreeEndpointsAThirdOfNineThousandPicksEach() throws Exception {
    Balancer balancer = Picks.balancer(new RoundRobinStrategy());

    Map<Endpoint, Integer> counts = Picks.count(balancer, three, 9_000);

    assertThat(counts).containsOnlyKeys(three);
    assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(2_970, 3_030));
  }

  @Test
  void roundRobinTakesEachEndpointInTurn() throws Exception {
    Balancer balancer = Picks.balancer(new RoundRobinStrategy());

    List<Endpoint> order = List.of(
        balancer.pick(three, Picks.call()),
        balancer.pick(three, Picks.call()),
        balancer.pick(three, Picks.call()));

    assertThat(order).containsExactlyInAnyOrderElementsOf(three);
  }

  @Test
  void randomGivesEachOfThreeEndpointsAThirdOfThirtyThousandPicksWithinFivePercent() throws Exception {
    Balancer balancer = Picks.balancer(new RandomStrategy());

    Map<Endpoint, Integer> counts = Picks.count(balancer, three, 30_000);

    assertThat(counts).containsOnlyKeys(three);
    assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(9_500, 10_500));
  }

  @Test
  void optionlessStrategiesRefuseAnyOption() {
    assertThatThrownBy(() -> Picks.balancer(new RoundRobinStrategy(), Map.of("key", "x")))
        .isInstanceOf(PluginConfigException.class)
        .extracting(e -> ((PluginConfigException) e).key()).isEqualTo("key");
    assertThatThrownBy(() -> Picks.balancer(new RandomStrategy(), Map.of("ring_size", 5L)))
        .isInstanceOf(PluginConfigException.class);
    assertThatThrownBy(() -> Picks.balancer(new WeightedRoundRobinStrategy(), Map.of("x", 1L)))
        .isInstanceOf(PluginConfigException.class);
    assertThatThrownBy(() -> Picks.balancer(new LeastRequestStrategy(), Map.of("x", 1L)))
        .isInstanceOf(PluginConfigException.class);
  }

  @Test
  void eachStrategyNamesItsId() {
    assertThat(List.of(RoundRobinStrategy.ID, RandomStrategy.ID, WeightedRoundRobinStrategy.ID,
            LeastRequestStrategy.ID, RingHashStrategy.ID))
        .containsExactly("round-robin", "random", "weighted-round-robin", "least-request", "ring-hash");
  }
}

package io.opizontas.gateway.plugins.balancers;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightedRoundRobinTest {

  private final Endpoint a = new Endpoint("10.0.0.1", 7000, 5, "", Map.of());
  private final Endpoint b = new Endpoint("10.0.0.2", 7000, 3, "", Map.of());
  private final Endpoint c = new Endpoint("10.0.0.3", 7000, 1, "", Map.of());
  private final List<Endpoint> weighted = List.of(a, b, c);

  /** nginx's smooth weighted round robin, straight from its definition, for one cycle. */
  private static List<Endpoint> smoothCycle(List<Endpoint> endpoints) {
    int total = endpoints.stream().mapToInt(Endpoint::weight).sum();
    int[] current = new int[endpoints.size()];
    List<Endpoint> cycle = new ArrayList<>();
    for (int step = 0; step < total; step++) {
      int best = -1;
      for (int i = 0; i < current.length; i++) {
        current[i] += endpoints.get(i).weight();
        if (best == -1 || current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      cycle.add(endpoints.get(best));
    }
    return cycle;
  }

  private static List<Endpoint> picks(Balancer balancer, List<Endpoint> endpoints, int count) {
    List<Endpoint> picked = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      picked.add(balancer.pick(endpoints, Picks.call()));
    }
    return picked;
  }

  @Test
  void weightsFiveThreeOneShareNineThousandPicksWithinTwoPercent() throws Exception {
    Balancer balancer = Picks.balancer(new WeightedRoundRobinStrategy());

    Map<Endpoint, Integer> counts = Picks.count(balancer, weighted, 9_000);

    assertThat(counts.get(a)).isBetween(4_900, 5_100);
    assertThat(counts.get(b)).isBetween(2_940, 3_060);
    assertThat(counts.get(c)).isBetween(980, 1_020);
  }

  @Test
  void oneCycleIsNginxsSmoothSequenceWithoutBurstsToTheHeaviest() throws Exception {
    Balancer balancer = Picks.balancer(new WeightedRoundRobinStrategy());

    List<Endpoint> cycle = picks(balancer, weighted, 9);

    assertThat(cycle).isEqualTo(smoothCycle(weighted)).containsExactly(a, b, a, c, a, b, a, b, a);
    assertThat(picks(balancer, weighted, 9)).as("the next cycle repeats it").isEqualTo(cycle);
  }

  @Test
  void theSequenceContinuesWhileTheListInstanceStaysAndRestartsOnANewInstance() throws Exception {
    Balancer balancer = Picks.balancer(new WeightedRoundRobinStrategy());
    List<Endpoint> expected = smoothCycle(weighted);

    List<Endpoint> split = new ArrayList<>(picks(balancer, weighted, 4));
    split.addAll(picks(balancer, weighted, 5));
    assertThat(split).as("same instance: one uninterrupted cycle").isEqualTo(expected);

    picks(balancer, weighted, 4);
    List<Endpoint> sameSetNewInstance = List.of(a, b, c);
    assertThat(picks(balancer, sameSetNewInstance, 9))
        .as("a new instance starts a fresh cycle from its first step").isEqualTo(expected);
  }

  @Test
  void aChangedSetIsWeightedByItsOwnEndpoints() throws Exception {
    Balancer balancer = Picks.balancer(new WeightedRoundRobinStrategy());
    picks(balancer, weighted, 3);

    List<Endpoint> withoutA = List.of(b, c);

    assertThat(picks(balancer, withoutA, 4)).isEqualTo(smoothCycle(withoutA)).containsExactly(b, b, c, b);
  }
}

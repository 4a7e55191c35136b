package io.opizontas.gateway.plugins.balancers;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.GrpcStatusCode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;

class LeastRequestTest {

  private final List<Endpoint> three = Picks.endpoints(3);
  private final Endpoint slow = three.get(2);

  /** A call in flight in the simulation: when it ends and where it went. */
  private record InFlight(long endsAt, Endpoint endpoint) {}

  /**
   * 64 clients that each start a new call as soon as their last one ends; calls to {@code slow}
   * take 30 ticks, the others 10 (a backend 20 ms slower). Time is simulated, so the test is exact
   * about order and never waits.
   */
  private static Map<Endpoint, Integer> closedLoop(Balancer balancer, List<Endpoint> endpoints, Endpoint slow, int calls) {
    PriorityQueue<InFlight> inFlight = new PriorityQueue<>((x, y) -> Long.compare(x.endsAt, y.endsAt));
    Map<Endpoint, Integer> counts = new HashMap<>();
    long now = 0;
    for (int started = 0; started < calls; started++) {
      if (inFlight.size() == 64) {
        InFlight ended = inFlight.poll();
        now = ended.endsAt;
        balancer.onCallEnded(ended.endpoint, GrpcStatusCode.OK);
      }
      Endpoint picked = balancer.pick(endpoints, Picks.call());
      counts.merge(picked, 1, Integer::sum);
      inFlight.add(new InFlight(now + (picked.equals(slow) ? 30 : 10), picked));
    }
    return counts;
  }

  @Test
  void theEndpointWhoseCallsLastLongerGetsClearlyFewerOfThem() throws Exception {
    Map<Endpoint, Integer> counts = closedLoop(Picks.balancer(new LeastRequestStrategy()), three, slow, 30_000);

    assertThat(counts.get(slow)).as("picks of the slow endpoint, of 30,000").isLessThan(30_000 / 4);
    assertThat(counts).containsOnlyKeys(three);
  }

  @Test
  void roundRobinInTheSameLoopWouldGiveItAThird() throws Exception {
    Map<Endpoint, Integer> counts = closedLoop(Picks.balancer(new RoundRobinStrategy()), three, slow, 30_000);

    assertThat(counts.get(slow)).as("the loop itself does not favour anyone").isEqualTo(10_000);
  }

  @Test
  void endedCallsFreeTheirEndpointSoAnIdleSetIsPickedEvenly() throws Exception {
    Balancer balancer = Picks.balancer(new LeastRequestStrategy());
    for (int i = 0; i < 1_000; i++) {
      balancer.onCallEnded(balancer.pick(three, Picks.call()), GrpcStatusCode.OK);
    }
    // Every count is back to zero: a slow endpoint with one call in flight now loses every draw.
    Endpoint busy = balancer.pick(three, Picks.call());
    for (int i = 0; i < 100; i++) {
      Endpoint picked = balancer.pick(three, Picks.call());
      assertThat(picked).isNotEqualTo(busy);
      balancer.onCallEnded(picked, GrpcStatusCode.OK);
    }
  }

  @Test
  void aCallPickedFromAnOlderListStillFreesItsEndpointWhenItStays() throws Exception {
    Balancer balancer = Picks.balancer(new LeastRequestStrategy());
    Endpoint a = three.get(0);
    List<Endpoint> onlyA = List.of(a);
    for (int i = 0; i < 3; i++) {
      assertThat(balancer.pick(onlyA, Picks.call())).isEqualTo(a);
    }

    // The set grows; its A is equal to the old one but another object, so the counts must carry
    // over by address, and the three calls picked from the old list must still free A.
    Endpoint b = three.get(1);
    List<Endpoint> grown = List.of(Endpoint.parse(a.address()), b);
    assertThat(balancer.pick(grown, Picks.call())).as("A has 3 in flight").isEqualTo(b);
    for (int i = 0; i < 3; i++) {
      balancer.onCallEnded(a, GrpcStatusCode.OK);
    }

    assertThat(balancer.pick(grown, Picks.call())).as("A is idle again, B has 1").isEqualTo(grown.get(0));
  }
}

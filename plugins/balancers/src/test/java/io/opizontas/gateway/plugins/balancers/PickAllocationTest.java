package io.opizontas.gateway.plugins.balancers;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.BalancingStrategy;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.testing.TestCall;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * gateway-api promises that a pick allocates nothing for round-robin, random, weighted and
 * least-request once a set's derived state is built: a call through the gateway must not feed the
 * garbage collector. benchmarks/pick-cost.sh measures the same with JMH; this keeps it true in
 * every build.
 */
class PickAllocationTest {

  static Stream<BalancingStrategy> strategies() {
    return Stream.of(new RoundRobinStrategy(), new RandomStrategy(), new WeightedRoundRobinStrategy(), new LeastRequestStrategy());
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void aMillionPicksAndEndsOverAHundredEndpointsAllocateNothing(BalancingStrategy strategy) throws Exception {
    Balancer balancer = Picks.balancer(strategy);
    List<Endpoint> endpoints = Picks.endpoints(100);
    TestCall call = Picks.call();
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    pickAndEnd(balancer, endpoints, call, 1_000_000); // warm up: JIT, class loading, the set's state
    threads.getThreadAllocatedBytes(thread);

    long before = threads.getThreadAllocatedBytes(thread);
    int checksum = pickAndEnd(balancer, endpoints, call, 1_000_000);
    long after = threads.getThreadAllocatedBytes(thread);

    assertThat(checksum).isNotZero();
    assertThat(after - before).as("bytes allocated by %s", strategy.id()).isZero();
  }

  private static int pickAndEnd(Balancer balancer, List<Endpoint> endpoints, TestCall call, int picks) {
    int checksum = 0;
    for (int i = 0; i < picks; i++) {
      Endpoint picked = balancer.pick(endpoints, call);
      balancer.onCallEnded(picked, GrpcStatusCode.OK);
      checksum += picked.port();
    }
    return checksum;
  }
}

package io.opizontas.bench.balancing;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.BalancingStrategy;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.api.testing.TestCall;
import io.opizontas.gateway.api.testing.TestPluginContext;
import io.opizontas.gateway.plugins.balancers.LeastRequestStrategy;
import io.opizontas.gateway.plugins.balancers.RandomStrategy;
import io.opizontas.gateway.plugins.balancers.RingHashStrategy;
import io.opizontas.gateway.plugins.balancers.RoundRobinStrategy;
import io.opizontas.gateway.plugins.balancers.WeightedRoundRobinStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one call costs a service's balancer, per shipped strategy and endpoint count: one {@link
 * Balancer#pick} and the {@link Balancer#onCallEnded} the runtime reports for it, on the same
 * immutable list instance every time, as the runtime passes it while a set is unchanged.
 *
 * <p>Strategies are started as the runtime starts them (their public extension class, {@code
 * start}, {@code newBalancer}), from the plugin jar that ships. Calls cycle through 1,024 distinct
 * {@code x-user-id} values so that ring-hash walks its ring rather than one cached path; the other
 * strategies ignore metadata. Run with {@code -prof gc} for bytes allocated per pick
 * ({@code gc.alloc.rate.norm}): see benchmarks/pick-cost.sh.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PickCost {

  private static final int KEYS = 1_024;

  /** The metadata key ring-hash hashes; every call carries one value of it. */
  private static final String KEY = "x-user-id";

  @Param({"round-robin", "random", "weighted-round-robin", "least-request", "ring-hash"})
  public String strategy;

  @Param({"10", "100", "1000"})
  public int endpoints;

  private List<Endpoint> list;
  private Balancer balancer;
  private TestCall[] calls;
  private int next;

  @Setup
  public void start() throws Exception {
    List<Endpoint> all = new ArrayList<>();
    for (int i = 0; i < endpoints; i++) {
      // Unequal weights (1..3) so that weighted round robin has real work to do.
      all.add(new Endpoint("10.0." + i / 250 + "." + (1 + i % 250), 7000, 1 + i % 3, "", Map.of()));
    }
    list = List.copyOf(all);
    BalancingStrategy chosen = switch (strategy) {
      case RoundRobinStrategy.ID -> new RoundRobinStrategy();
      case RandomStrategy.ID -> new RandomStrategy();
      case WeightedRoundRobinStrategy.ID -> new WeightedRoundRobinStrategy();
      case LeastRequestStrategy.ID -> new LeastRequestStrategy();
      case RingHashStrategy.ID -> new RingHashStrategy();
      default -> throw new IllegalArgumentException("unknown strategy " + strategy);
    };
    Map<String, Object> options = strategy.equals(RingHashStrategy.ID) ? Map.of("key", KEY) : Map.of();
    // The shipped strategies start no threads, so the context's executors never start any.
    chosen.start(new TablePluginConfig(strategy, options), new TestPluginContext(strategy));
    balancer = chosen.newBalancer("bench.Service");
    // Built before measuring; reading a call's metadata allocates nothing, so a pick's
    // allocations are the balancer's own.
    calls = new TestCall[KEYS];
    for (int i = 0; i < KEYS; i++) {
      calls[i] = new TestCall("bench.Service", "Call").header(KEY, "user-" + i);
    }
    // The first pick builds whatever the strategy derives from the list (ring, weights, counters):
    // that happens once per set change, not per call, so it stays out of the measurement.
    balancer.onCallEnded(balancer.pick(list, calls[0]), GrpcStatusCode.OK);
  }

  @Benchmark
  public Endpoint pickAndEnd() {
    TestCall call = calls[next++ & (KEYS - 1)];
    Endpoint picked = balancer.pick(list, call);
    balancer.onCallEnded(picked, GrpcStatusCode.OK);
    return picked;
  }
}

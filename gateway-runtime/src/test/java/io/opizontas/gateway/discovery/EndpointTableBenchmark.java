package io.opizontas.gateway.discovery;

import java.lang.management.ManagementFactory;

/**
 * Routing-table lookup cost: ns per lookup-and-pick and bytes allocated, for a table of 10,000
 * endpoints across 1,000 services, and a 100× larger one to show the cost does not grow with size.
 * A plain harness (not a unit test: timings must not fail builds); see docs/benchmarks.md.
 *
 * <pre>
 * mvn -q -pl gateway-runtime -am test-compile
 * java -cp "$(cat gateway-runtime/target/bench.classpath):gateway-runtime/target/classes:gateway-runtime/target/test-classes" \
 *     io.opizontas.gateway.discovery.EndpointTableBenchmark
 * </pre>
 */
public final class EndpointTableBenchmark {

  private EndpointTableBenchmark() {}

  public static void main(String[] args) {
    run("1,000 services x 10 endpoints", EndpointTableFixture.of(1_000, 10));
    run("100,000 services x 10 endpoints", EndpointTableFixture.of(100_000, 10));
  }

  private static void run(String label, EndpointTableFixture fixture) {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    int calls = 10_000_000;
    int sink = 0;
    for (int warm = 0; warm < 5; warm++) {
      sink += fixture.lookupAndPick(calls);
    }
    double best = Double.MAX_VALUE;
    long allocated = 0;
    for (int round = 0; round < 5; round++) {
      long bytesBefore = threads.getThreadAllocatedBytes(thread);
      long start = System.nanoTime();
      sink += fixture.lookupAndPick(calls);
      long elapsed = System.nanoTime() - start;
      allocated += threads.getThreadAllocatedBytes(thread) - bytesBefore;
      best = Math.min(best, (double) elapsed / calls);
    }
    System.out.printf("%-34s %6.1f ns/lookup+pick (best of 5 x %,d), %d bytes allocated in %,d calls  [%d]%n",
        label, best, calls, allocated, 5L * calls, sink & 1);
  }
}

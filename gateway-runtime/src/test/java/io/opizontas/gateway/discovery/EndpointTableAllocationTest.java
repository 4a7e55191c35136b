package io.opizontas.gateway.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The hot path's routing-table work (lookup, then a round-robin pick) allocates nothing. */
class EndpointTableAllocationTest {

  @Test
  void aMillionLookupsAndPicksAllocateNothing() {
    EndpointTableFixture fixture = EndpointTableFixture.of(1_000, 10);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    fixture.lookupAndPick(1_000_000); // warm up: JIT, class loading
    threads.getThreadAllocatedBytes(thread);

    long before = threads.getThreadAllocatedBytes(thread);
    int checksum = fixture.lookupAndPick(1_000_000);
    long after = threads.getThreadAllocatedBytes(thread);

    assertThat(checksum).isNotZero();
    assertThat(after - before).isZero();
  }
}

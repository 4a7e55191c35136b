package io.opizontas.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LeaseLedgerTest {

  private final AtomicLong now = new AtomicLong();
  private final LeaseLedger leases = new LeaseLedger(now::get);
  private final Duration ttl = Duration.ofSeconds(30);

  @Test
  void aLeaseLivesTtlAfterItsLastKeepAlive() {
    leases.granted("a", ttl, Set.of("s.S"), "10.0.0.1:1");
    now.addAndGet(Duration.ofSeconds(20).toNanos());
    leases.renewed("a", ttl);
    now.addAndGet(Duration.ofSeconds(20).toNanos());

    assertThat(leases.active()).isEqualTo(1);
    assertThat(leases.expired()).isZero();
    assertThat(leases.live()).containsExactly(
        new LeaseLedger.Lease("a…", Set.of("s.S"), "10.0.0.1:1", Duration.ofSeconds(10)));

    now.addAndGet(Duration.ofSeconds(10).toNanos());

    assertThat(leases.active()).isZero();
    assertThat(leases.expired()).isEqualTo(1);
    assertThat(leases.granted()).isEqualTo(1);
  }

  @Test
  void aDeregisteredLeaseEndsWithoutExpiring() {
    leases.granted("a", ttl, Set.of("s.S"), "10.0.0.1:1");
    leases.granted("b", ttl, Set.of("s.S"), "10.0.0.1:1");
    leases.deregistered("a");
    leases.unknown("b");
    leases.unknown("never-granted");

    assertThat(leases.active()).isZero();
    assertThat(leases.expired()).isEqualTo(1);
    assertThat(leases.granted()).isEqualTo(2);
  }
}

package io.opizontas.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LeaseLedgerTest {

  private final AtomicLong now = new AtomicLong();
  private final LeaseLedger leases = new LeaseLedger(now::get);
  private final Duration ttl = Duration.ofSeconds(30);

  @Test
  void aLeaseLivesTtlAfterItsLastKeepAlive() {
    leases.granted("a", ttl);
    now.addAndGet(Duration.ofSeconds(20).toNanos());
    leases.renewed("a", ttl);
    now.addAndGet(Duration.ofSeconds(20).toNanos());

    assertThat(leases.active()).isEqualTo(1);
    assertThat(leases.expired()).isZero();

    now.addAndGet(Duration.ofSeconds(10).toNanos());

    assertThat(leases.active()).isZero();
    assertThat(leases.expired()).isEqualTo(1);
    assertThat(leases.granted()).isEqualTo(1);
  }

  @Test
  void aDeregisteredLeaseEndsWithoutExpiring() {
    leases.granted("a", ttl);
    leases.granted("b", ttl);
    leases.deregistered("a");
    leases.unknown("b");
    leases.unknown("never-granted");

    assertThat(leases.active()).isZero();
    assertThat(leases.expired()).isEqualTo(1);
    assertThat(leases.granted()).isEqualTo(2);
  }
}

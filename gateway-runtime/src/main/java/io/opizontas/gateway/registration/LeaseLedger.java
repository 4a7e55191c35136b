package io.opizontas.gateway.registration;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The leases granted through this gateway's registration API, as its metrics count them: granted,
 * live, and expired. The registry backend expires a lease {@code ttl} after its last keep-alive;
 * the ledger applies the same rule when read, so it needs no timer of its own. A lease the backend
 * reports unknown at a keep-alive counts as expired then.
 */
public final class LeaseLedger {

  private final LongSupplier nanoTime;
  /** Lease id to the System.nanoTime() at which it runs out. */
  private final Map<String, Long> deadlines = new ConcurrentHashMap<>();
  private final LongAdder granted = new LongAdder();
  private final LongAdder expired = new LongAdder();

  LeaseLedger(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  void granted(String leaseId, Duration ttl) {
    granted.increment();
    deadlines.put(leaseId, nanoTime.getAsLong() + ttl.toNanos());
  }

  void renewed(String leaseId, Duration ttl) {
    deadlines.computeIfPresent(leaseId, (id, deadline) -> nanoTime.getAsLong() + ttl.toNanos());
  }

  void unknown(String leaseId) {
    if (deadlines.remove(leaseId) != null) {
      expired.increment();
    }
  }

  void deregistered(String leaseId) {
    deadlines.remove(leaseId);
  }

  /** Leases granted since the start. */
  public long granted() {
    return granted.sum();
  }

  /** Leases alive now. */
  public int active() {
    sweep();
    return deadlines.size();
  }

  /** Leases that ran out without a deregistration, since the start. */
  public long expired() {
    sweep();
    return expired.sum();
  }

  private void sweep() {
    long now = nanoTime.getAsLong();
    deadlines.values().removeIf(deadline -> {
      boolean over = now - deadline >= 0;
      if (over) {
        expired.increment();
      }
      return over;
    });
  }
}

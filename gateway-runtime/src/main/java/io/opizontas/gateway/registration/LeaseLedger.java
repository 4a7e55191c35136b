package io.opizontas.gateway.registration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The leases granted through this gateway's registration API, as its metrics count them (granted,
 * live, expired) and the admin API lists them (what each registered, and for how long). The registry backend expires a lease {@code ttl} after its last keep-alive;
 * the ledger applies the same rule when read, so it needs no timer of its own. A lease the backend
 * reports unknown at a keep-alive counts as expired then.
 */
public final class LeaseLedger {

  private final LongSupplier nanoTime;
  /** What one lease holds; {@code deadline} is the System.nanoTime() at which it runs out. */
  private record Held(Set<String> services, String endpoint, long deadline) {}

  /**
   * One live lease, as the admin API shows it.
   *
   * @param id        the lease id shortened as the log writes it: the whole id lets its holder's
   *                  token renew or end it, so it is not shown
   * @param services  the services it registered
   * @param endpoint  the endpoint it registered, {@code host:port}
   * @param expiresIn time left before it runs out without a keep-alive
   */
  public record Lease(String id, Set<String> services, String endpoint, Duration expiresIn) {}

  private final Map<String, Held> deadlines = new ConcurrentHashMap<>();
  private final LongAdder granted = new LongAdder();
  private final LongAdder expired = new LongAdder();

  LeaseLedger(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  void granted(String leaseId, Duration ttl, Set<String> services, String endpoint) {
    granted.increment();
    deadlines.put(leaseId, new Held(Set.copyOf(services), endpoint, nanoTime.getAsLong() + ttl.toNanos()));
  }

  void renewed(String leaseId, Duration ttl) {
    deadlines.computeIfPresent(leaseId,
        (id, held) -> new Held(held.services(), held.endpoint(), nanoTime.getAsLong() + ttl.toNanos()));
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

  /** The leases alive now, by endpoint. */
  public List<Lease> live() {
    sweep();
    long now = nanoTime.getAsLong();
    List<Lease> live = new ArrayList<>();
    deadlines.forEach((id, held) -> live.add(new Lease(RegistryService.shortId(id), held.services(), held.endpoint(),
        Duration.ofNanos(Math.max(0, held.deadline() - now)))));
    live.sort(Comparator.comparing(Lease::endpoint).thenComparing(Lease::id));
    return live;
  }

  private void sweep() {
    long now = nanoTime.getAsLong();
    deadlines.values().removeIf(held -> {
      boolean over = now - held.deadline() >= 0;
      if (over) {
        expired.increment();
      }
      return over;
    });
  }
}

package io.opizontas.gateway.plugins.memory;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.EndpointSink;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginConfigException;
import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.Registrar;
import io.opizontas.gateway.api.RegistryBackend;
import io.opizontas.gateway.api.RegistryLease;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.pf4j.Extension;
import org.slf4j.Logger;

/**
 * The embedded registry ({@code plugin = "memory"}): registrations made through the gateway live in
 * this gateway's memory under leases, and leave the routing table the moment their lease lapses.
 * A restart forgets every lease; clients see "unknown lease" on their next keep-alive and register
 * again.
 *
 * <p>Each lease has one timer. A keep-alive only moves the lease's deadline; the timer, when it
 * fires early, re-arms itself for the time left. So renewals cost no scheduling at all, and 10,000
 * leases cost 10,000 pending timers, not a sweep. Deadlines are on {@link System#nanoTime}, so a
 * step of the wall clock neither ends a lease early nor keeps it past its TTL.
 *
 * <p>Settings: {@code max_leases} (default 100000) bounds memory against a runaway client.
 */
@Extension
public final class MemoryRegistry implements RegistryBackend, Registrar {

  private static final SecureRandom IDS = new SecureRandom();

  private final Object lock = new Object();
  private final Map<String, Lease> leases = new HashMap<>();
  private final Map<LeaseKey, Lease> byKey = new HashMap<>();
  private final Map<String, Set<Lease>> byService = new HashMap<>();
  private Logger log;
  private ScheduledExecutorService scheduler;
  private EndpointSink sink;
  private long maxLeases;
  private long order;
  private boolean closed;

  /** What makes two registrations the same: the service set and the address. */
  private record LeaseKey(Set<String> services, String address) {}

  private static final class Lease {
    final String id;
    final LeaseKey key;
    final Duration ttl;
    Endpoint endpoint;
    long order; // newer registrations of an address win when two leases name it for one service
    long deadline; // System.nanoTime()
    ScheduledFuture<?> timer;

    Lease(String id, LeaseKey key, Duration ttl) {
      this.id = id;
      this.key = key;
      this.ttl = ttl;
    }
  }

  @Override
  public void start(PluginConfig config, PluginContext context, EndpointSink sink) {
    config.allowKeys("max_leases");
    long max = config.integer("max_leases", 100_000);
    if (max < 1) {
      throw new PluginConfigException("max_leases", "must be at least 1, was " + max);
    }
    this.maxLeases = max;
    this.log = context.logger();
    this.scheduler = context.scheduler();
    this.sink = sink;
    context.metrics().gauge("memory_registry_leases", "Live leases", this::leaseCount);
  }

  @Override
  public Optional<Registrar> registrar() {
    return Optional.of(this);
  }

  @Override
  public RegistryLease register(Set<String> services, Endpoint endpoint, Duration ttl) {
    synchronized (lock) {
      ensureOpen();
      LeaseKey key = new LeaseKey(Set.copyOf(services), endpoint.address());
      Lease lease = byKey.get(key);
      if (lease == null) {
        if (leases.size() >= maxLeases) {
          throw new IllegalStateException("the memory registry holds its maximum of " + maxLeases + " leases");
        }
        lease = new Lease(newId(), key, ttl);
        leases.put(lease.id, lease);
        byKey.put(key, lease);
        for (String service : key.services()) {
          byService.computeIfAbsent(service, s -> new LinkedHashSet<>()).add(lease);
        }
        lease.endpoint = endpoint;
        lease.order = ++order;
        lease.deadline = System.nanoTime() + ttl.toNanos();
        arm(lease, ttl.toNanos());
        report(key.services());
      } else {
        lease.deadline = System.nanoTime() + lease.ttl.toNanos();
        if (!lease.endpoint.equals(endpoint)) {
          lease.endpoint = endpoint;
          lease.order = ++order;
          report(key.services());
        }
      }
      return new RegistryLease(lease.id, lease.ttl);
    }
  }

  @Override
  public Optional<Set<String>> services(String leaseId) {
    synchronized (lock) {
      Lease lease = leases.get(leaseId);
      return lease == null ? Optional.empty() : Optional.of(lease.key.services());
    }
  }

  @Override
  public Optional<Duration> keepAlive(String leaseId) {
    synchronized (lock) {
      Lease lease = leases.get(leaseId);
      if (lease == null) {
        return Optional.empty();
      }
      lease.deadline = System.nanoTime() + lease.ttl.toNanos();
      return Optional.of(lease.ttl);
    }
  }

  @Override
  public boolean deregister(String leaseId) {
    synchronized (lock) {
      Lease lease = leases.get(leaseId);
      if (lease == null) {
        return false;
      }
      lease.timer.cancel(false);
      remove(lease);
      return true;
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      for (Lease lease : leases.values()) {
        lease.timer.cancel(false);
      }
      Set<String> services = new HashSet<>(byService.keySet());
      leases.clear();
      byKey.clear();
      byService.clear();
      services.forEach(service -> sink.update(service, Set.of()));
    }
  }

  private void arm(Lease lease, long delayNanos) {
    lease.timer = scheduler.schedule(() -> expire(lease), delayNanos, TimeUnit.NANOSECONDS);
  }

  private void expire(Lease lease) {
    synchronized (lock) {
      if (leases.get(lease.id) != lease) {
        return;
      }
      long left = lease.deadline - System.nanoTime();
      if (left > 0) {
        arm(lease, left);
      } else {
        remove(lease);
        log.info("lease of {} at {} expired: no keep-alive within its TTL", lease.key.services(),
            lease.key.address());
      }
    }
  }

  private void remove(Lease lease) {
    leases.remove(lease.id);
    byKey.remove(lease.key);
    for (String service : lease.key.services()) {
      Set<Lease> holders = byService.get(service);
      holders.remove(lease);
      if (holders.isEmpty()) {
        byService.remove(service);
      }
    }
    report(lease.key.services());
  }

  /** Tells the sink the current set of each service: one endpoint per address, the newest wins. */
  private void report(Set<String> services) {
    for (String service : services) {
      Set<Lease> holders = byService.getOrDefault(service, Set.of());
      List<Lease> newestFirst = new ArrayList<>(holders);
      newestFirst.sort((a, b) -> Long.compare(b.order, a.order));
      Map<String, Endpoint> byAddress = new LinkedHashMap<>();
      for (Lease lease : newestFirst) {
        byAddress.putIfAbsent(lease.endpoint.address(), lease.endpoint);
      }
      sink.update(service, Set.copyOf(byAddress.values()));
    }
  }

  private double leaseCount() {
    synchronized (lock) {
      return leases.size();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the memory registry is closed");
    }
  }

  private static String newId() {
    byte[] bytes = new byte[16];
    IDS.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}

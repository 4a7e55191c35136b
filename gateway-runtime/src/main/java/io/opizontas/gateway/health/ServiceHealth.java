package io.opizontas.gateway.health;

import io.opizontas.gateway.api.Durations;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.HealthState;
import io.opizontas.gateway.config.HealthConfig;
import io.opizontas.gateway.discovery.ServiceEndpoints;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health of one service's endpoints and the list calls are routed over: the registered
 * endpoints whose probes pass and that are not ejected. That list is rebuilt only when the set
 * changes, so balancers get the same instance while it stands (as the Balancer contract promises);
 * reading it is one volatile read.
 *
 * <p>Every change of an endpoint's state happens under this object's lock and is logged once, with
 * its reason.
 */
final class ServiceHealth {

  private static final Logger LOG = LoggerFactory.getLogger(HealthTable.class);

  private final String service;
  /** The table's configuration, read at each use: a reload may change it. */
  private final Supplier<HealthConfig> config;
  private final ScheduledExecutorService timer;
  private final Runnable changed;
  private final Object lock = new Object();
  // Guarded by lock; the map is replaced, never changed, so callSucceeded may read it without it.
  private volatile ServiceEndpoints snapshot;
  private volatile Map<Endpoint, EndpointHealth> byEndpoint = Map.of();
  private boolean panicking;
  /** This service's endpoints with at least one failed call in a row; changed under lock. */
  private volatile int failing;
  /** The same count over every service, so a call that ends well usually costs one read of it. */
  private final AtomicInteger failingEverywhere;
  private volatile List<Endpoint> routable = List.of();

  /** {@code changed} runs after the routable list changed, under the lock: it must be quick. */
  ServiceHealth(String service, Supplier<HealthConfig> config, ScheduledExecutorService timer, AtomicInteger failingEverywhere,
      Runnable changed) {
    this.service = service;
    this.failingEverywhere = failingEverywhere;
    this.config = config;
    this.timer = timer;
    this.changed = changed;
  }

  /** The endpoints calls may be routed to: immutable, the same instance while the set stands. */
  List<Endpoint> routable() {
    return routable;
  }

  /** The registry's endpoints changed: endpoints that stay keep their state, by address. */
  void registered(ServiceEndpoints now) {
    synchronized (lock) {
      Map<String, EndpointHealth> before = new HashMap<>();
      byEndpoint.values().forEach(health -> before.put(health.endpoint.address(), health));
      Map<Endpoint, EndpointHealth> next = new HashMap<>();
      for (int i = 0; i < now.size(); i++) {
        Endpoint endpoint = now.get(i);
        EndpointHealth previous = before.get(endpoint.address());
        next.put(endpoint, previous == null ? new EndpointHealth(endpoint) : previous.carryOver(endpoint));
      }
      snapshot = now;
      byEndpoint = next;
      int nowFailing = (int) next.values().stream().filter(h -> h.consecutiveFailures > 0).count();
      failingEverywhere.addAndGet(nowFailing - failing);
      failing = nowFailing;
      publish();
    }
  }

  /** A call to {@code endpoint} got an answer from its backend: its failures in a row are over. */
  void callSucceeded(Endpoint endpoint) {
    if (failing == 0) {
      return;
    }
    EndpointHealth health = byEndpoint.get(endpoint);
    if (health == null || health.consecutiveFailures == 0) {
      return;
    }
    synchronized (lock) {
      clearFailures(health);
    }
  }

  /** Under lock. */
  private void clearFailures(EndpointHealth health) {
    if (health.consecutiveFailures > 0) {
      health.consecutiveFailures = 0;
      failing--;
      failingEverywhere.decrementAndGet();
    }
  }

  /** A call to {@code endpoint} failed before its backend answered: counts toward ejection. */
  void callFailed(Endpoint endpoint, GrpcStatusCode status) {
    HealthConfig.Ejection ejection = config.get().ejection();
    synchronized (lock) {
      EndpointHealth health = byEndpoint.get(endpoint);
      if (health == null || health.ejected) {
        return;
      }
      int failures = ++health.consecutiveFailures;
      if (failures == 1) {
        failing++;
        failingEverywhere.incrementAndGet();
      }
      if (failures < ejection.consecutiveFailures()) {
        return;
      }
      int ejected = (int) byEndpoint.values().stream().filter(h -> h.ejected).count();
      int allowed = byEndpoint.size() * ejection.maxPercent() / 100;
      if (ejected >= allowed) {
        if (failures == ejection.consecutiveFailures()) {
          LOG.warn("{} of {}: {} calls in a row failed without an answer (last {}), but it stays in: {} of {}"
              + " endpoints are ejected already (health.ejection.max_percent = {})", endpoint.address(), service,
              failures, status, ejected, byEndpoint.size(), ejection.maxPercent());
        }
        return;
      }
      long now = System.nanoTime();
      if (health.ejections > 0 && now - health.returnedNanos > ejection.maxTime().toNanos()) {
        health.ejections = 0;
      }
      health.ejections++;
      Duration length = ejection.baseTime().multipliedBy(health.ejections);
      if (length.compareTo(ejection.maxTime()) > 0) {
        length = ejection.maxTime();
      }
      health.ejected = true;
      health.ejectedUntilNanos = now + length.toNanos();
      LOG.warn("{} of {} ejected for {}: {} calls in a row failed without an answer from it (last {}); ejection {}"
          + " in a row", endpoint.address(), service, Durations.format(length), failures, status, health.ejections);
      String address = endpoint.address();
      timer.schedule(() -> ejectionOver(address), length.toNanos(), TimeUnit.NANOSECONDS);
      publish();
    }
  }

  private void ejectionOver(String address) {
    synchronized (lock) {
      for (EndpointHealth health : byEndpoint.values()) {
        if (health.ejected && health.endpoint.address().equals(address)
            && System.nanoTime() - health.ejectedUntilNanos >= 0) {
          health.ejected = false;
          clearFailures(health);
          health.returnedNanos = System.nanoTime();
          LOG.info("{} of {} returns after its ejection{}", address, service,
              health.probePassing ? "" : "; it stays out while its health checks fail");
          publish();
        }
      }
    }
  }

  /** A probe of {@code endpoint} ended with {@code result}; {@code detail} says how, in words. */
  void probed(Endpoint endpoint, HealthState result, String detail) {
    synchronized (lock) {
      EndpointHealth health = byEndpoint.get(endpoint);
      if (health == null) {
        return;
      }
      health.lastProbe = detail;
      if (result == HealthState.HEALTHY) {
        health.probeFailuresInRow = 0;
        health.probePassesInRow++;
        if (!health.probePassing && health.probePassesInRow >= config.get().healthyThreshold()) {
          health.probePassing = true;
          LOG.info("{} of {} passes its health checks again ({} in a row: {}){}", endpoint.address(), service,
              health.probePassesInRow, detail, health.ejected ? "; it stays out while ejected" : "");
          publish();
        }
      } else if (result == HealthState.UNHEALTHY) {
        health.probePassesInRow = 0;
        health.probeFailuresInRow++;
        if (health.probePassing && health.probeFailuresInRow >= config.get().unhealthyThreshold()) {
          health.probePassing = false;
          LOG.warn("{} of {} fails its health checks ({} in a row, last: {}): out of rotation", endpoint.address(),
              service, health.probeFailuresInRow, detail);
          publish();
        }
      }
    }
  }

  /**
   * No prober covers this service any more (a reload removed it): endpoints out of rotation for
   * failing their probes come back, since nothing would ever probe them in again.
   */
  void probesStopped() {
    synchronized (lock) {
      boolean any = false;
      for (EndpointHealth health : byEndpoint.values()) {
        health.probeFailuresInRow = 0;
        health.probePassesInRow = 0;
        health.lastProbe = "not probed: the reloaded configuration has no prober for " + service;
        if (!health.probePassing) {
          health.probePassing = true;
          any = true;
          LOG.info("{} of {} is no longer probed (configuration reloaded): back in rotation{}",
              health.endpoint.address(), service, health.ejected ? " once its ejection ends" : "");
        }
      }
      if (any) {
        publish();
      }
    }
  }

  /** Why no endpoint is routable, for the UNAVAILABLE a call gets: "2 endpoints, all failing health checks". */
  String whyNone() {
    List<EndpointHealth> all = List.copyOf(byEndpoint.values());
    if (all.isEmpty()) {
      return "no endpoints";
    }
    long drained = all.stream().filter(h -> h.drained).count();
    long failing = all.stream().filter(h -> !h.drained && !h.probePassing).count();
    long ejected = all.stream().filter(h -> !h.drained && h.probePassing && h.ejected).count();
    String count = all.size() == 1 ? "1 endpoint" : all.size() + " endpoints";
    if (failing == all.size()) {
      return count + (all.size() == 1 ? ", failing health checks" : ", all failing health checks");
    }
    if (ejected == all.size()) {
      return count + (all.size() == 1 ? ", ejected" : ", all ejected") + " after calls to them failed";
    }
    if (drained == all.size()) {
      return count + (all.size() == 1 ? ", drained" : ", all drained") + " by an operator";
    }
    return count + ": " + failing + " failing health checks, " + ejected + " ejected after calls to them failed"
        + (drained == 0 ? "" : ", " + drained + " drained by an operator");
  }

  /**
   * Drains ({@code drained}) or undrains the endpoint at {@code address}; false when the service has
   * no endpoint there. Routing stops picking a drained endpoint at once; calls already on it go on.
   */
  boolean drain(String address, boolean drained) {
    synchronized (lock) {
      for (EndpointHealth health : byEndpoint.values()) {
        if (health.endpoint.address().equals(address)) {
          if (health.drained != drained) {
            health.drained = drained;
            LOG.info("{} of {} {}", address, service, drained
                ? "drained by an operator: no new calls go to it, calls on it finish"
                : "undrained by an operator: it takes calls again when its health allows");
            publish();
          }
          return true;
        }
      }
      return false;
    }
  }

  List<EndpointStatus> statuses() {
    synchronized (lock) {
      List<EndpointStatus> statuses = new ArrayList<>();
      ServiceEndpoints current = snapshot;
      for (int i = 0; current != null && i < current.size(); i++) {
        EndpointHealth health = byEndpoint.get(current.get(i));
        if (health != null) {
          statuses.add(health.status(service));
        }
      }
      return statuses;
    }
  }

  /**
   * Rebuilds the routable list; keeps the old instance when the set did not change. Under lock.
   * Drained endpoints are out of it even in panic: an operator took them out on purpose, so they
   * neither take calls nor count toward {@code panic_threshold}.
   */
  private void publish() {
    ServiceEndpoints all = snapshot;
    List<Endpoint> candidates = new ArrayList<>(all.size());
    List<Endpoint> next = new ArrayList<>(all.size());
    for (int i = 0; i < all.size(); i++) {
      EndpointHealth health = byEndpoint.get(all.get(i));
      if (health == null || !health.drained) {
        candidates.add(all.get(i));
      }
      if (health == null || health.routable()) {
        next.add(all.get(i));
      }
    }
    boolean panic = config.get().panicPercent() > 0 && !candidates.isEmpty()
        && next.size() * 100 < config.get().panicPercent() * candidates.size();
    if (panic != panicking) {
      panicking = panic;
      if (panic) {
        LOG.warn("Only {} of {} endpoints of {} are routable, under health.panic_threshold = {}%: routing to all of"
            + " them", next.size(), candidates.size(), service, config.get().panicPercent());
      } else {
        LOG.info("{} of {} endpoints of {} are routable again: routing to those only", next.size(),
            candidates.size(), service);
      }
    }
    List<Endpoint> chosen = panic ? candidates : next;
    List<Endpoint> list = chosen.size() == all.size() ? all.asList() : List.copyOf(chosen);
    // An equal list keeps the old instance: balancers rebuild what they derive only on a new one.
    if (!list.equals(routable)) {
      routable = list;
      changed.run();
    }
  }
}

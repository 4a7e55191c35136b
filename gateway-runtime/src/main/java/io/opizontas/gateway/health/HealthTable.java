package io.opizontas.gateway.health;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.HealthState;
import io.opizontas.gateway.config.HealthConfig;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.discovery.ServiceEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that holds the state of every endpoint: registered (in the {@link EndpointTable}),
 * passing its probes, not ejected, not drained by an operator. Routing reads {@link #routable} per call; the probe scheduler
 * reports with {@link #probed}, the data path with {@link #callEnded}; metrics and the admin API read
 * {@link #statuses}.
 *
 * <p>Passive outlier ejection: a call that ends without an answer from its backend (connect failure,
 * stream or connection reset, UNAVAILABLE the gateway observed) counts as a failure of its
 * endpoint; an answer of any status ends the endpoint's failures in a row. After {@code
 * health.ejection.consecutive_failures} in a row the endpoint is out for the ejection time. Ejections
 * end on a timer of this table's own thread, never on the data path.
 */
public final class HealthTable implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HealthTable.class);

  private final EndpointTable table;
  private volatile HealthConfig config;
  private final ScheduledThreadPoolExecutor timer;
  private final Map<String, ServiceHealth> services = new ConcurrentHashMap<>();
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  /** Endpoints of any service with failed calls in a row: while 0, a call that ends well costs one read. */
  private final AtomicInteger failing = new AtomicInteger();
  private final EndpointTable.Subscription following;

  private HealthTable(EndpointTable table, HealthConfig config) {
    this.table = table;
    this.config = config;
    this.timer = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread thread = new Thread(runnable, "opizontas-health");
      thread.setDaemon(true);
      return thread;
    });
    timer.setRemoveOnCancelPolicy(true);
    this.following = table.follow(this::registered);
  }

  /** Follows {@code table} from now on, judging endpoints as {@code config} says. */
  public static HealthTable follow(EndpointTable table, HealthConfig config) {
    return new HealthTable(table, config);
  }

  private void registered(ServiceEndpoints snapshot) {
    String service = snapshot.service();
    services.computeIfAbsent(service, s -> new ServiceHealth(s, this::config, timer, failing, () -> changed(s)))
        .registered(snapshot);
  }

  private void changed(String service) {
    for (Consumer<String> listener : listeners) {
      try {
        listener.accept(service);
      } catch (RuntimeException e) {
        LOG.warn("A health listener failed on a change of {}", service, e);
      }
    }
  }

  /**
   * The endpoints of {@code service} calls may go to: registered, passing probes, not ejected, not
   * drained (or all undrained ones while under {@code panic_threshold}). Immutable, and the same instance for as
   * long as the set stands; null when no registry ever reported the service. One hash lookup and a
   * volatile read; no allocation.
   */
  public List<Endpoint> routable(String service) {
    ServiceHealth health = services.get(service);
    if (health != null) {
      return health.routable();
    }
    // Reported an instant ago: the table publishes a snapshot just before telling its listeners.
    ServiceEndpoints endpoints = table.lookup(service);
    return endpoints == null ? null : endpoints.asList();
  }

  /** Why {@code service} has no routable endpoint, such as "2 endpoints, all failing health checks". */
  public String whyUnroutable(String service) {
    ServiceHealth health = services.get(service);
    return health == null ? "no endpoints" : health.whyNone();
  }

  /**
   * A call routed to {@code endpoint} ended with {@code status}; {@code backendAnswered} when the
   * status came from the backend's trailers. Called on the data path for every call: cheap and
   * allocation-free unless the endpoint is failing.
   */
  public void callEnded(String service, Endpoint endpoint, GrpcStatusCode status, boolean backendAnswered) {
    if (config.ejection().consecutiveFailures() == 0) {
      return;
    }
    if (backendAnswered) {
      if (failing.get() != 0) {
        ServiceHealth health = services.get(service);
        if (health != null) {
          health.callSucceeded(endpoint);
        }
      }
    } else if (status == GrpcStatusCode.UNAVAILABLE || status == GrpcStatusCode.INTERNAL
        || status == GrpcStatusCode.UNKNOWN) {
      ServiceHealth health = services.get(service);
      if (health != null) {
        health.callFailed(endpoint, status);
      }
    }
    // Cancellations and deadlines say nothing about the endpoint: a slow backend is the probes' case.
  }

  /** A probe of {@code endpoint} for {@code service} ended with {@code result}, described by {@code detail}. */
  public void probed(String service, Endpoint endpoint, HealthState result, String detail) {
    ServiceHealth health = services.get(service);
    if (health != null) {
      health.probed(endpoint, result, detail);
    }
  }

  /**
   * Drains ({@code drained}) or undrains the endpoint at {@code address} in {@code service}, or in
   * every service that has it when {@code service} is null. A drained endpoint takes no new calls
   * until it is undrained or leaves its registry; calls already on it finish.
   *
   * @return the services that have an endpoint at {@code address} (empty: nothing changed)
   */
  public List<String> drain(String service, String address, boolean drained) {
    List<String> found = new ArrayList<>();
    services.forEach((name, health) -> {
      if ((service == null || service.equals(name)) && health.drain(address, drained)) {
        found.add(name);
      }
    });
    found.sort(null);
    return found;
  }

  /** Every registered endpoint of every service, as the table sees it now. */
  public List<EndpointStatus> statuses() {
    List<EndpointStatus> all = new ArrayList<>();
    services.values().forEach(health -> all.addAll(health.statuses()));
    return all;
  }

  /**
   * Calls {@code listener} with a service's name whenever its routable set changed. It runs under
   * that service's lock, possibly on the data path: it must be quick and must not block.
   */
  public EndpointTable.Subscription watch(Consumer<String> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  private HealthConfig config() {
    return config;
  }

  /**
   * Judges endpoints as {@code next} says from now on (a configuration reload): thresholds from the
   * next probe, ejection from the next call. Endpoints of services {@code probed} no longer covers
   * leave the state their probes gave them.
   */
  public void reconfigure(HealthConfig next, Predicate<String> probed) {
    config = next;
    services.forEach((service, health) -> {
      if (!probed.test(service)) {
        health.probesStopped();
      }
    });
  }

  @Override
  public void close() {
    following.close();
    timer.shutdownNow();
  }
}

package io.opizontas.gateway.api.testing;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.EndpointSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * An {@link EndpointSink} that records what a registry backend reported, for its tests. It keeps the
 * rules of the runtime's sink: names are checked ({@link EndpointSink#checkServiceName}), a service
 * once reported stays known with an empty set when withdrawn, and {@link #replaceAll} withdraws the
 * services it does not list. Thread-safe: a backend may report from its own threads while the test
 * waits with {@link #await}.
 *
 * <p>Unlike the runtime's sink it merges nothing (it records one backend) and refuses no service
 * names beyond the checks above: the gateway also refuses its own services, which no registry may
 * supply.
 */
public final class RecordingEndpointSink implements EndpointSink {

  /** One report of one service, as {@link #update} received it or {@link #replaceAll} made it. */
  public record Report(String service, Set<Endpoint> endpoints) {}

  /** Every service reported so far and its endpoints now (empty once withdrawn). Guarded by this. */
  private final Map<String, Set<Endpoint>> services = new LinkedHashMap<>();
  private final List<Report> reports = new ArrayList<>();

  @Override
  public synchronized void update(String service, Set<Endpoint> endpoints) {
    EndpointSink.checkServiceName(service);
    record(service, Set.copyOf(endpoints));
    notifyAll();
  }

  @Override
  public synchronized void replaceAll(Map<String, Set<Endpoint>> report) {
    Map<String, Set<Endpoint>> checked = new LinkedHashMap<>();
    report.forEach((service, endpoints) -> checked.put(EndpointSink.checkServiceName(service), Set.copyOf(endpoints)));
    for (Map.Entry<String, Set<Endpoint>> known : List.copyOf(services.entrySet())) {
      if (!checked.containsKey(known.getKey()) && !known.getValue().isEmpty()) {
        record(known.getKey(), Set.of());
      }
    }
    checked.forEach(this::record);
    notifyAll();
  }

  private void record(String service, Set<Endpoint> endpoints) {
    services.put(service, endpoints);
    reports.add(new Report(service, endpoints));
  }

  /** The endpoints reported for {@code service} now: empty when it was never reported or withdrawn. */
  public synchronized Set<Endpoint> endpoints(String service) {
    return services.getOrDefault(service, Set.of());
  }

  /**
   * Every service reported so far, in the order first reported, with its endpoints now: a service
   * withdrawn stays with an empty set, as the gateway keeps it known (its calls get UNAVAILABLE, not
   * UNIMPLEMENTED). A copy.
   */
  public synchronized Map<String, Set<Endpoint>> services() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(services));
  }

  /** Every report so far, in order, one per service changed. A copy. */
  public synchronized List<Report> reports() {
    return List.copyOf(reports);
  }

  /**
   * Waits until what was reported meets {@code condition}, for a backend that reports from a thread
   * of its own (a watcher, a timer). Checks at once and after every report.
   *
   * @param condition tested with {@link #services()} under the sink's lock: keep it quick
   * @return the services as they met the condition
   * @throws AssertionError when they do not within {@code timeout}, or the wait is interrupted,
   *     saying what was reported last
   */
  public synchronized Map<String, Set<Endpoint>> await(Predicate<Map<String, Set<Endpoint>>> condition, Duration timeout) {
    Objects.requireNonNull(condition, "condition");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.test(services())) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("the reports did not meet the condition within " + timeout + "; last: " + services);
      }
      try {
        wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for reports; last: " + services, e);
      }
    }
    return services();
  }

  /**
   * Waits until {@code service}'s endpoints are {@code expected}, as {@link #await} does.
   *
   * @return {@code expected}
   */
  public Set<Endpoint> awaitEndpoints(String service, Set<Endpoint> expected, Duration timeout) {
    return await(now -> now.getOrDefault(service, Set.of()).equals(expected), timeout).getOrDefault(service, Set.of());
  }
}

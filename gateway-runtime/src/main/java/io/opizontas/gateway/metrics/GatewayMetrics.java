package io.opizontas.gateway.metrics;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.health.EndpointStatus;
import io.opizontas.gateway.plugin.MemoryPluginMetrics;
import io.opizontas.gateway.registration.LeaseLedger;
import io.opizontas.gateway.upstream.EndpointLoad;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The gateway's Prometheus metrics (names and labels in README.md, "Operations: metrics").
 *
 * <p>Cardinality is bounded by design: a call to a service the routing table does not know counts
 * under {@code service="unknown", method="unknown"}, so clients cannot mint series by naming
 * services; a known service has at most {@link #MAX_METHODS_PER_SERVICE} method series, the rest
 * count under {@code method="other"}. Endpoint series exist while the endpoint does.
 *
 * <p>The data path resolves a call's {@link MethodSeries} with two hash lookups of strings it
 * already has, and counts on lock-free adders; everything else is read when scraped.
 */
public final class GatewayMetrics implements CallMetrics {

  /** Method series one service may have; further methods count under {@code method="other"}. */
  public static final int MAX_METHODS_PER_SERVICE = 100;

  static final String UNKNOWN = "unknown";

  private static final List<String> ENDPOINT_STATES = List.of("routable", "failing", "ejected", "drained");

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final CallFamilies calls;
  private final Predicate<String> knownService;
  private final ConcurrentMap<String, ServiceSeries> services = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, LongAdder> retries = new ConcurrentHashMap<>();
  private final Counter reloads;
  private final Counter pluginFailures;
  /** Made at the first call to an unknown service. */
  private volatile MethodSeries unknown;

  /**
   * @param knownService whether the routing table knows a service (has ever had a report of it)
   * @param version      the gateway's version, for {@code opizontas_build_info}
   */
  public GatewayMetrics(Predicate<String> knownService, String version) {
    this.knownService = knownService;
    this.calls = CallFamilies.register(registry);
    this.reloads = Counter.builder().name("opizontas_config_reloads_total")
        .help("Configuration reloads, by result (ok: applied; failed: refused, nothing changed)")
        .labelNames("result").withoutExemplars().register(registry);
    this.pluginFailures = Counter.builder().name("opizontas_call_filter_failures_total")
        .help("Calls a call filter failed (it threw, or timed out), by plugin id")
        .labelNames("plugin").withoutExemplars().register(registry);
    Info build = Info.builder().name("opizontas_build_info").help("The gateway's version and Java runtime")
        .labelNames("version", "java").register(registry);
    build.setLabelValues(version, Runtime.version().toString());
  }

  @Override
  public MethodSeries series(String service, String method) {
    ServiceSeries known = services.get(service);
    if (known == null) {
      if (!knownService.test(service)) {
        return unknown();
      }
      known = services.computeIfAbsent(service, s -> new ServiceSeries(calls, s, MAX_METHODS_PER_SERVICE));
    }
    return known.method(method);
  }

  private MethodSeries unknown() {
    MethodSeries series = unknown;
    if (series == null) {
      // Prometheus resolves the same data points for the same labels: a racing twin is harmless.
      series = new MethodSeries(calls, UNKNOWN, UNKNOWN);
      unknown = series;
    }
    return series;
  }

  @Override
  public void retried(Endpoint endpoint) {
    retries.computeIfAbsent(endpoint.address(), address -> new LongAdder()).increment();
  }

  /** A configuration reload was applied ({@code ok}) or refused. */
  public void configReloaded(boolean ok) {
    reloads.labelValues(ok ? "ok" : "failed").inc();
  }

  /** An extension of plugin {@code pluginId} failed on the data path. */
  public void pluginFailed(String pluginId) {
    pluginFailures.labelValues(pluginId).inc();
  }

  /**
   * Reads, at each scrape, every endpoint's state (from {@code statuses}) and what the gateway
   * holds open to it (from {@code loads}).
   */
  public void watchEndpoints(Supplier<List<EndpointStatus>> statuses, Supplier<List<EndpointLoad>> loads) {
    GaugeWithCallback.builder().name("opizontas_endpoint_state")
        .help("1 for the state an endpoint of a service is in: routable, failing (its probes fail), ejected"
            + " (real calls failed) or drained (by an operator)")
        .labelNames("service", "endpoint", "state")
        .callback(callback -> {
          Set<String> present = new HashSet<>();
          for (EndpointStatus status : statuses.get()) {
            String address = status.endpoint().address();
            present.add(address);
            String state = status.drained() ? "drained"
                : status.ejected() ? "ejected" : status.routable() ? "routable" : "failing";
            for (String each : ENDPOINT_STATES) {
              callback.call(each.equals(state) ? 1 : 0, status.service(), address, each);
            }
          }
          // Retry counts of endpoints that left every service go with them: series stay bounded.
          retries.keySet().retainAll(present);
        })
        .register(registry);
    GaugeWithCallback.builder().name("opizontas_endpoint_calls_in_flight")
        .help("Streams open to an endpoint: calls in flight, and grpc-health probes")
        .labelNames("endpoint")
        .callback(callback -> loads.get().forEach(load -> callback.call(load.openStreams(), load.address())))
        .register(registry);
    GaugeWithCallback.builder().name("opizontas_endpoint_upstream_sessions")
        .help("HTTP/2 sessions open to an endpoint, draining ones included")
        .labelNames("endpoint")
        .callback(callback -> loads.get().forEach(load -> callback.call(load.sessions(), load.address())))
        .register(registry);
    CounterWithCallback.builder().name("opizontas_endpoint_connect_failures_total")
        .help("Connects to an endpoint that failed (refused, timed out, TLS handshake)")
        .labelNames("endpoint")
        .callback(callback -> loads.get().forEach(load -> callback.call(load.connectFailures(), load.address())))
        .register(registry);
    CounterWithCallback.builder().name("opizontas_endpoint_retries_total")
        .help("Calls tried again on another endpoint after this one could not take them")
        .labelNames("endpoint")
        .callback(callback -> retries.forEach((address, count) -> callback.call(count.sum(), address)))
        .register(registry);
  }

  /** Reads, at each scrape, how many client connections the listeners hold. */
  public void watchClientConnections(IntSupplier connections) {
    GaugeWithCallback.builder().name("opizontas_client_connections")
        .help("Client connections open on the gRPC listeners (h2c and TLS)")
        .callback(callback -> callback.call(connections.getAsInt()))
        .register(registry);
  }

  /** Reads, at each scrape, the leases granted through the gateway's registration API. */
  public void watchLeases(LeaseLedger leases) {
    CounterWithCallback.builder().name("opizontas_registrations_total")
        .help("Leases granted by the gateway's registration API")
        .callback(callback -> callback.call(leases.granted()))
        .register(registry);
    GaugeWithCallback.builder().name("opizontas_leases_active")
        .help("Leases of the gateway's registration API alive now")
        .callback(callback -> callback.call(leases.active()))
        .register(registry);
    CounterWithCallback.builder().name("opizontas_leases_expired_total")
        .help("Leases of the gateway's registration API that ran out without a deregistration")
        .callback(callback -> callback.call(leases.expired()))
        .register(registry);
  }

  /** Exports, at each scrape, the metrics each plugin registered, under its id. */
  public void watchPlugins(Supplier<Map<String, MemoryPluginMetrics>> plugins) {
    registry.register(new PluginMetricsExport(plugins));
  }

  /**
   * Calls of one service since the start, summed over its methods.
   *
   * @param started  calls begun
   * @param finished calls ended
   * @param failed   calls ended with any grpc-status but OK
   * @param inFlight calls begun and not ended
   */
  public record ServiceCalls(long started, long finished, long failed, long inFlight) {}

  /**
   * Every service's calls, read from the counters {@code /metrics} shows (for the admin API, whose
   * status page turns two reads into calls/s and an error rate). Reads only: nothing on the data
   * path waits for it.
   */
  public Map<String, ServiceCalls> serviceCalls() {
    Map<String, long[]> sums = new TreeMap<>();
    for (CounterSnapshot.CounterDataPointSnapshot point : calls.started().collect().getDataPoints()) {
      sums.computeIfAbsent(point.getLabels().get("service"), s -> new long[4])[0] += (long) point.getValue();
    }
    for (CounterSnapshot.CounterDataPointSnapshot point : calls.finished().collect().getDataPoints()) {
      long[] sum = sums.computeIfAbsent(point.getLabels().get("service"), s -> new long[4]);
      sum[1] += (long) point.getValue();
      if (!"OK".equals(point.getLabels().get("code"))) {
        sum[2] += (long) point.getValue();
      }
    }
    for (GaugeSnapshot.GaugeDataPointSnapshot point : calls.inFlight().collect().getDataPoints()) {
      sums.computeIfAbsent(point.getLabels().get("service"), s -> new long[4])[3] += (long) point.getValue();
    }
    Map<String, ServiceCalls> byService = new TreeMap<>();
    sums.forEach((service, sum) -> byService.put(service, new ServiceCalls(sum[0], sum[1], sum[2], sum[3])));
    return byService;
  }

  /** The {@code /metrics} handler. */
  public MetricsHandler handler() {
    return new MetricsHandler(registry);
  }

  /** The registry to scrape, and to register further collectors in. */
  public PrometheusRegistry registry() {
    return registry;
  }
}

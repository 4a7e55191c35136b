package io.opizontas.gateway.discovery;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.EndpointSink;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live routing table: service name to the endpoints every registry backend reports for it.
 *
 * <p>Writers (backends, through {@link #sink}) rebuild an immutable {@link ServiceEndpoints} per
 * changed service; readers on the hot path do one hash lookup and no allocation.
 *
 * <p>A service stays in the table once any backend has reported it: when its last endpoint goes,
 * {@link #lookup} returns an empty snapshot rather than null, so routing can tell "known, but
 * nothing serves it now" (UNAVAILABLE, retryable) from "never heard of" (UNIMPLEMENTED).
 *
 * <p>The gateway's own services are reserved: only {@link #gatewaySink()} reports them. A registry
 * entry naming one would otherwise take a share of the gateway's own calls (registration calls,
 * with their bearer tokens), so such an entry is refused with a warning and never routed.
 */
public final class EndpointTable {

  /**
   * Services the gateway serves itself, which no registry may supply: the registration API and the
   * gateway's own {@code grpc.health.v1.Health} (a backend's health service is for the gateway's
   * probes, which reach it directly, not through the listener).
   */
  public static final Set<String> GATEWAY_SERVICES = Set.of("opizontas.registry.v1.Registry", "grpc.health.v1.Health");

  /** The source of {@link #gatewaySink()}; registry sources are {@code <plugin>#<index>}, never this. */
  private static final String GATEWAY_SOURCE = "gateway";

  private static final Logger LOG = LoggerFactory.getLogger(EndpointTable.class);

  private final Map<String, ServiceEndpoints> services = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Set<Endpoint>>> bySource = new ConcurrentHashMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final SourceSink gatewaySink = new SourceSink(this, GATEWAY_SOURCE, true);
  /** "source service" pairs already warned about, so a registry re-reporting does not flood the log. */
  private final Set<String> refused = ConcurrentHashMap.newKeySet();

  /** Told about every change of a service's endpoint set. */
  @FunctionalInterface
  public interface Listener {

    /**
     * {@code endpoints} is the service's new snapshot (possibly empty). Called on the reporting
     * backend's thread while the service's merge lock is held, so calls for one service arrive in
     * order; it must return quickly and never block. An exception is logged and ignored.
     */
    void changed(ServiceEndpoints endpoints);
  }

  /**
   * The endpoints of {@code service}: null when no backend has ever reported it, an empty snapshot
   * when it is known but has no endpoint now. One hash lookup; allocation-free.
   */
  public ServiceEndpoints lookup(String service) {
    return services.get(service);
  }

  /**
   * A sink that reports as {@code source}; reports of different sources are merged. Reports of a
   * {@linkplain #GATEWAY_SERVICES gateway service} are refused (logged once per source and service).
   * Make one per source: what {@link SourceSink#replaceAll} withdraws is what that sink reported.
   */
  public SourceSink sink(String source) {
    return new SourceSink(this, source, false);
  }

  /** The one sink that reports the gateway's own services: the gateway's internal endpoints for them. */
  public EndpointSink gatewaySink() {
    return gatewaySink;
  }

  /**
   * Withdraws everything {@code source} reported, as if it had reported every service empty: what
   * a registry leaves behind once it is closed (a configuration reload dropped or replaced it).
   */
  public void forget(String source) {
    for (Map.Entry<String, Map<String, Set<Endpoint>>> entry : bySource.entrySet()) {
      if (entry.getValue().containsKey(source)) {
        update(source, entry.getKey(), Set.of());
      }
    }
  }

  void refuse(String source, String service, Set<Endpoint> endpoints) {
    if (!endpoints.isEmpty() && refused.add(source + " " + service)) {
      LOG.warn("registry {} reports {} at {}: refused, that service is the gateway's own and no registry"
          + " may route it elsewhere; remove the entry", source, service, endpoints);
    }
  }

  /** A listener's registration; closing it stops the calls. */
  public interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  /** Subscribes to changes; close the returned handle to stop. */
  public Subscription subscribe(Listener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * Subscribes, then calls {@code listener} once with every service's current snapshot. Each
   * replayed snapshot is delivered under its service's merge lock, like a change, so the listener
   * sees every service's snapshots in order, starting from the table as it is now.
   */
  public Subscription follow(Listener listener) {
    Subscription subscription = subscribe(listener);
    for (Map.Entry<String, Map<String, Set<Endpoint>>> entry : bySource.entrySet()) {
      synchronized (entry.getValue()) {
        ServiceEndpoints current = services.get(entry.getKey());
        if (current != null) {
          listener.changed(current);
        }
      }
    }
    return subscription;
  }

  /** Every service the table knows, sorted by name: its snapshot, possibly empty. */
  public List<ServiceEndpoints> services() {
    List<ServiceEndpoints> all = new ArrayList<>(services.values());
    all.sort(Comparator.comparing(ServiceEndpoints::service));
    return all;
  }

  /**
   * The sources that report each endpoint address of {@code service} ({@code static#0}, {@code
   * registration-api}...), in no particular order; empty for a service no source reports.
   */
  public Map<String, List<String>> sources(String service) {
    Map<String, Set<Endpoint>> sources = bySource.getOrDefault(service, Map.of());
    Map<String, List<String>> byAddress = new TreeMap<>();
    synchronized (sources) {
      sources.forEach((source, endpoints) -> endpoints.forEach(
          endpoint -> byAddress.computeIfAbsent(endpoint.address(), a -> new ArrayList<>()).add(source)));
    }
    return byAddress;
  }

  void update(String source, String service, Set<Endpoint> endpoints) {
    Map<String, Set<Endpoint>> sources = bySource.computeIfAbsent(service, s -> new ConcurrentHashMap<>());
    // Merging under the service's lock keeps concurrent reports of two backends from losing one.
    synchronized (sources) {
      if (endpoints.isEmpty()) {
        sources.remove(source);
      } else {
        sources.put(source, Set.copyOf(endpoints));
      }
      // One entry per address: two backends (or two leases) naming the same instance must not give
      // it two turns in the rotation. The first report of an address wins.
      Map<String, Endpoint> merged = new LinkedHashMap<>();
      sources.values().forEach(set -> set.forEach(e -> merged.putIfAbsent(e.address(), e)));
      ServiceEndpoints previous = services.get(service);
      if (previous != null && previous.sameEndpoints(merged.values())) {
        return;
      }
      ServiceEndpoints snapshot = new ServiceEndpoints(service, merged.values().toArray(new Endpoint[0]));
      services.put(service, snapshot);
      for (Listener listener : listeners) {
        try {
          listener.changed(snapshot);
        } catch (RuntimeException e) {
          LOG.warn("endpoint table listener failed on a change of {}", service, e);
        }
      }
    }
  }
}

package io.opizontas.gateway.discovery;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.EndpointSink;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live routing table: service name to the endpoints every registry backend reports for it.
 *
 * <p>Writers (backends, through {@link #sink}) rebuild an immutable {@link ServiceEndpoints} per
 * changed service; readers on the hot path do one hash lookup and no allocation.
 */
public final class EndpointTable {

  private final Map<String, ServiceEndpoints> services = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Set<Endpoint>>> bySource = new ConcurrentHashMap<>();

  /** The endpoints of {@code service}, or null when no backend knows it. */
  public ServiceEndpoints lookup(String service) {
    return services.get(service);
  }

  /** A sink that reports as {@code source}; reports of different sources are merged. */
  public EndpointSink sink(String source) {
    return (service, endpoints) -> update(source, service, endpoints);
  }

  private void update(String source, String service, Set<Endpoint> endpoints) {
    Map<String, Set<Endpoint>> sources = bySource.computeIfAbsent(service, s -> new ConcurrentHashMap<>());
    // Merging under the service's lock keeps concurrent reports of two backends from losing one.
    synchronized (sources) {
      if (endpoints.isEmpty()) {
        sources.remove(source);
      } else {
        sources.put(source, Set.copyOf(endpoints));
      }
      Set<Endpoint> merged = new LinkedHashSet<>();
      sources.values().forEach(merged::addAll);
      if (merged.isEmpty()) {
        services.remove(service);
      } else {
        services.put(service, new ServiceEndpoints(service, merged.toArray(new Endpoint[0])));
      }
    }
  }
}

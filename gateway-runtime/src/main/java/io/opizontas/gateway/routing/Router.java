package io.opizontas.gateway.routing;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.discovery.ServiceEndpoints;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks the endpoint a call goes to: the service's live endpoints from the {@link EndpointTable},
 * taken in turn (round-robin) until pluggable balancing strategies replace it.
 */
public final class Router {

  private final EndpointTable table;
  private final Map<String, AtomicInteger> cursors = new ConcurrentHashMap<>();

  public Router(EndpointTable table) {
    this.table = table;
  }

  /** An endpoint for {@code service}, or null when it has none; then {@link #noRoute} explains. */
  public Endpoint pick(String service) {
    ServiceEndpoints endpoints = table.lookup(service);
    if (endpoints == null || endpoints.size() == 0) {
      return null;
    }
    int size = endpoints.size();
    if (size == 1) {
      return endpoints.get(0);
    }
    AtomicInteger cursor = cursors.get(service);
    if (cursor == null) {
      cursor = cursors.computeIfAbsent(service, s -> new AtomicInteger());
    }
    return endpoints.get(Math.floorMod(cursor.getAndIncrement(), size));
  }

  /** The status for a call {@link #pick} found no endpoint for. */
  public GrpcStatus noRoute(String service) {
    ServiceEndpoints endpoints = table.lookup(service);
    if (endpoints == null) {
      return GrpcStatus.of(GrpcStatusCode.UNIMPLEMENTED, "unknown service " + service);
    }
    return GrpcStatus.of(GrpcStatusCode.UNAVAILABLE, "no endpoints available for service " + service);
  }
}

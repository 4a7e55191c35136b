package io.opizontas.gateway.routing;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.discovery.ServiceEndpoints;

/**
 * Picks the endpoint a call goes to: the service's live endpoints from the {@link EndpointTable},
 * taken in turn (round-robin) until pluggable balancing strategies replace it.
 */
public final class Router {

  private final EndpointTable table;

  public Router(EndpointTable table) {
    this.table = table;
  }

  /** An endpoint for {@code service}, or null when it has none; then {@link #noRoute} explains. */
  public Endpoint pick(String service) {
    ServiceEndpoints endpoints = table.lookup(service);
    return endpoints == null ? null : endpoints.next();
  }

  /** The status for a call {@link #pick} found no endpoint for. */
  public GrpcStatus noRoute(String service) {
    ServiceEndpoints endpoints = table.lookup(service);
    if (endpoints == null) {
      return GrpcStatus.of(GrpcStatusCode.UNIMPLEMENTED, "unknown service " + service);
    }
    return GrpcStatus.of(GrpcStatusCode.UNAVAILABLE, "no endpoints for service " + service);
  }
}

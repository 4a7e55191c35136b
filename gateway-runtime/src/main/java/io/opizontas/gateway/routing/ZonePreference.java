package io.opizontas.gateway.routing;

import io.opizontas.gateway.api.Endpoint;
import java.util.ArrayList;
import java.util.List;

/**
 * The endpoints of the gateway's own zone while a service has any, else all of them. The subset is
 * made once per endpoint list and kept, so balancers get the same list instance for as long as the
 * service's set is unchanged, as the Balancer contract promises.
 */
final class ZonePreference {

  /** A source list and the subset made from it; replaced as a whole so readers never see a mix. */
  private record Cached(List<Endpoint> source, List<Endpoint> preferred) {}

  private final String zone;
  private volatile Cached cached = new Cached(List.of(), List.of());

  /** @param zone the gateway's zone; empty turns the preference off */
  ZonePreference(String zone) {
    this.zone = zone;
  }

  /** {@code endpoints}' members of this zone, or {@code endpoints} itself when it has none or no zone is set. */
  List<Endpoint> prefer(List<Endpoint> endpoints) {
    if (zone.isEmpty()) {
      return endpoints;
    }
    Cached now = cached;
    if (now.source() != endpoints) {
      now = new Cached(endpoints, subset(endpoints));
      cached = now;
    }
    return now.preferred();
  }

  private List<Endpoint> subset(List<Endpoint> endpoints) {
    List<Endpoint> local = new ArrayList<>();
    for (Endpoint endpoint : endpoints) {
      if (zone.equals(endpoint.zone())) {
        local.add(endpoint);
      }
    }
    return local.isEmpty() || local.size() == endpoints.size() ? endpoints : List.copyOf(local);
  }
}

package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.Endpoint;
import java.util.List;

/**
 * Routes each value of one request metadata key to the same endpoint, through a {@link HashRing}
 * rebuilt only when the list instance changes; calls without the key go to a fallback balancer.
 */
final class RingHashBalancer implements Balancer {

  private final String key;
  private final Balancer fallback;
  private final ListInstanceCache<HashRing> ring;

  RingHashBalancer(String key, int pointsPerEndpoint, Balancer fallback) {
    this.key = key;
    this.fallback = fallback;
    this.ring = new ListInstanceCache<>(endpoints -> new HashRing(endpoints, pointsPerEndpoint));
  }

  @Override
  public Endpoint pick(List<Endpoint> endpoints, Call call) {
    String value = call.requestHeaders().get(key);
    if (value == null) {
      return fallback.pick(endpoints, call);
    }
    return endpoints.get(ring.of(endpoints).owner(Hash64.of(value)));
  }
}

package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.Endpoint;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Each endpoint in turn: one shared cursor, advanced without a lock and without allocating. */
final class RoundRobinBalancer implements Balancer {

  private final AtomicInteger cursor = new AtomicInteger();

  @Override
  public Endpoint pick(List<Endpoint> endpoints, Call call) {
    // floorMod keeps the index in range when the counter wraps past Integer.MAX_VALUE; the one
    // uneven step that causes every four billion calls does not matter.
    return endpoints.get(Math.floorMod(cursor.getAndIncrement(), endpoints.size()));
  }
}

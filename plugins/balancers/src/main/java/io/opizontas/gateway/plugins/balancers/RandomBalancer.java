package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.Endpoint;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** A uniform random endpoint: no shared state at all, so no contention between threads. */
final class RandomBalancer implements Balancer {

  @Override
  public Endpoint pick(List<Endpoint> endpoints, Call call) {
    return endpoints.get(ThreadLocalRandom.current().nextInt(endpoints.size()));
  }
}

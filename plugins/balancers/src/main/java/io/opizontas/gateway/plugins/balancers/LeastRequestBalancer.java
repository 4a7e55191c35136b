package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.GrpcStatusCode;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Power of two random choices: draws two different endpoints and routes to the one with fewer calls
 * in flight, counting them itself (up on {@link #pick}, down on {@link #onCallEnded}).
 *
 * <p>Counters live in a map by address that outlasts list changes, so an endpoint that stays in the
 * set keeps its count when another one joins or leaves. Each list instance gets an array of those
 * counters by position and an identity map from the list's own endpoint objects, so neither a pick
 * nor a call's end computes an address or allocates.
 */
final class LeastRequestBalancer implements Balancer {

  private final Map<String, AtomicInteger> inFlightByAddress = new ConcurrentHashMap<>();
  private final ListInstanceCache<Counters> counters = new ListInstanceCache<>(this::countersFor);

  @Override
  public Endpoint pick(List<Endpoint> endpoints, Call call) {
    AtomicInteger[] inFlight = counters.of(endpoints).byPosition;
    int n = inFlight.length;
    int chosen = 0;
    if (n > 1) {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      int first = random.nextInt(n);
      int second = random.nextInt(n - 1);
      if (second >= first) {
        second++; // two different endpoints, each pair equally likely
      }
      chosen = inFlight[second].get() < inFlight[first].get() ? second : first;
    }
    inFlight[chosen].incrementAndGet();
    return endpoints.get(chosen);
  }

  @Override
  public void onCallEnded(Endpoint endpoint, GrpcStatusCode status) {
    Counters latest = counters.latest();
    AtomicInteger inFlight = latest == null ? null : latest.byEndpoint.get(endpoint);
    if (inFlight == null) {
      // Picked from an older list: its counter is found by address, unless the endpoint left the
      // set since, in which case nothing counts for it any more.
      inFlight = inFlightByAddress.get(endpoint.address());
    }
    if (inFlight != null) {
      inFlight.decrementAndGet();
    }
  }

  private Counters countersFor(List<Endpoint> endpoints) {
    AtomicInteger[] byPosition = new AtomicInteger[endpoints.size()];
    Map<Endpoint, AtomicInteger> byEndpoint = new IdentityHashMap<>(endpoints.size() * 2);
    Set<String> addresses = new HashSet<>();
    for (int i = 0; i < byPosition.length; i++) {
      Endpoint endpoint = endpoints.get(i);
      String address = endpoint.address();
      addresses.add(address);
      byPosition[i] = inFlightByAddress.computeIfAbsent(address, a -> new AtomicInteger());
      byEndpoint.put(endpoint, byPosition[i]);
    }
    // Endpoints that left would otherwise be remembered forever as addresses churn.
    inFlightByAddress.keySet().retainAll(addresses);
    return new Counters(byPosition, byEndpoint);
  }

  /**
   * The counters of one list instance. The identity map is filled before the volatile publish and
   * never written again, so concurrent reads are safe.
   */
  private record Counters(AtomicInteger[] byPosition, Map<Endpoint, AtomicInteger> byEndpoint) {}
}

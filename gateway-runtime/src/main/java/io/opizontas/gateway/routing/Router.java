package io.opizontas.gateway.routing;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.discovery.ServiceEndpoints;
import io.opizontas.gateway.health.HealthTable;
import io.opizontas.gateway.plugin.FailureLog;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the endpoint a call goes to: the service's routable endpoints from the {@link HealthTable}
 * (registered in the {@link EndpointTable}, passing probes, not ejected, not drained through the
 * admin API), chosen by the service's
 * balancer ({@link ServiceBalancers}).
 */
public final class Router {

  private static final Logger LOG = LoggerFactory.getLogger(Router.class);

  private final EndpointTable table;
  private final HealthTable health;
  private final ServiceBalancers balancers;
  private final FailureLog failures =
      new FailureLog(LOG, "a balancer", System::nanoTime, FailureLog.WINDOW);

  public Router(EndpointTable table, HealthTable health, ServiceBalancers balancers) {
    this.table = table;
    this.health = health;
    this.balancers = balancers;
  }

  /** The route of {@code service}: its balancer, retry budget and zone preference. */
  public ServiceRoute route(String service) {
    return balancers.forService(service);
  }

  /** Tries per call, the first included ({@code [balancing.retries] attempts}). */
  public int attempts() {
    return balancers.attempts();
  }

  /**
   * Picks an endpoint of {@code service} for {@code call} with the route's balancer, among the
   * endpoints of the gateway's zone when the service has any there; null when the service has none
   * (then {@link #noRoute} explains). Allocation-free with the built-in strategies.
   *
   * @throws BalancerFailure when the balancer throws or picks an endpoint outside the list: the call
   *     fails with UNAVAILABLE, and the failure is logged at most once per 10 s
   */
  public Endpoint pick(String service, ServiceRoute route, Call call) {
    List<Endpoint> routable = health.routable(service);
    if (routable == null || routable.isEmpty()) {
      return null;
    }
    List<Endpoint> list = route.zone().prefer(routable);
    Balancer balancer = route.balancer();
    Endpoint picked;
    try {
      picked = balancer.pick(list, call);
    } catch (RuntimeException | LinkageError | AssertionError e) {
      failures.record("of " + service + " failed to pick an endpoint", e);
      throw new BalancerFailure("the balancer of " + service + " failed: " + e);
    }
    if (!contains(list, picked)) {
      failures.record("of " + service + " picked " + picked + ", which is not one of the service's endpoints", null);
      throw new BalancerFailure("the balancer of " + service + " picked an endpoint the service does not have");
    }
    return picked;
  }

  /**
   * An endpoint of {@code service} that {@code tried} does not hold, for a retry whose balancer
   * picked a tried one again (a ring-hash pick is the same for the same key): the first untried
   * endpoint after {@code picked} in the zone's list, then in the whole list; null when every
   * endpoint was tried or the service has none left.
   */
  public Endpoint untried(String service, ServiceRoute route, TriedEndpoints tried, Endpoint picked) {
    List<Endpoint> all = health.routable(service);
    if (all == null || all.isEmpty()) {
      return null;
    }
    Endpoint found = firstUntried(route.zone().prefer(all), tried, picked);
    return found != null ? found : firstUntried(all, tried, picked);
  }

  private static Endpoint firstUntried(List<Endpoint> list, TriedEndpoints tried, Endpoint after) {
    int start = Math.max(0, list.indexOf(after));
    for (int i = 0; i < list.size(); i++) {
      Endpoint candidate = list.get((start + i) % list.size());
      if (!tried.contains(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /** Identity first: a balancer returns an element of the list, and this costs no equals calls. */
  private static boolean contains(List<Endpoint> list, Endpoint picked) {
    if (picked == null) {
      return false;
    }
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) == picked) {
        return true;
      }
    }
    return list.contains(picked);
  }

  /** The status for a call {@link #pick} found no endpoint for. */
  public GrpcStatus noRoute(String service) {
    ServiceEndpoints endpoints = table.lookup(service);
    if (endpoints == null) {
      return GrpcStatus.of(GrpcStatusCode.UNIMPLEMENTED, "unknown service " + service);
    }
    return GrpcStatus.of(GrpcStatusCode.UNAVAILABLE,
        "no routable endpoint for service " + service + ": " + health.whyUnroutable(service));
  }

  /**
   * A call {@link #pick} routed to {@code endpoint} ended with {@code status}, which came from the
   * backend's trailers when {@code backendAnswered}: feeds outlier ejection.
   */
  public void callEnded(String service, Endpoint endpoint, GrpcStatusCode status, boolean backendAnswered) {
    health.callEnded(service, endpoint, status, backendAnswered);
  }

  /** A balancer that failed its pick; the call fails with UNAVAILABLE and this message. */
  public static final class BalancerFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BalancerFailure(String message) {
      super(message, null, false, false);
    }
  }
}

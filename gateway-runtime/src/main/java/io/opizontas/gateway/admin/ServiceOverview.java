package io.opizontas.gateway.admin;

import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.discovery.ServiceEndpoints;
import io.opizontas.gateway.health.EndpointStatus;
import io.opizontas.gateway.health.HealthTable;
import io.opizontas.gateway.metrics.GatewayMetrics;
import io.opizontas.gateway.upstream.EndpointLoad;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code GET /api/services}: every service the routing table knows, its state in one word and
 * why in one line, its calls, and each endpoint's state and reason. The words are chosen here, once,
 * so that the status page and a script reading the API tell the same story.
 */
final class ServiceOverview {

  /** A service all of whose endpoints take calls. */
  static final String HEALTHY = "healthy";
  /** A service with some endpoints out. */
  static final String DEGRADED = "degraded";
  /** A service no call can be routed to. */
  static final String DOWN = "down";

  private final EndpointTable table;
  private final HealthTable health;
  private final Supplier<List<EndpointLoad>> loads;
  private final GatewayMetrics metrics;

  ServiceOverview(EndpointTable table, HealthTable health, Supplier<List<EndpointLoad>> loads,
      GatewayMetrics metrics) {
    this.table = table;
    this.health = health;
    this.loads = loads;
    this.metrics = metrics;
  }

  /**
   * The answer.
   *
   * @param timeMillis when it was read (wall clock): the page divides call counts by its differences
   * @param services   by name
   */
  record Services(long timeMillis, List<Service> services) {}

  /**
   * One service.
   *
   * @param name      e.g. {@code helloworld.Greeter}
   * @param internal  whether the gateway serves it itself (registration API, its own health)
   * @param state     {@link #HEALTHY}, {@link #DEGRADED} or {@link #DOWN}
   * @param reason    why, when not healthy: "2 of 3 endpoints ejected: 5 calls in a row failed..."
   * @param routable  endpoints that take calls now
   * @param calls     calls since the start
   * @param endpoints its endpoints
   */
  record Service(String name, boolean internal, String state, String reason, int routable,
      GatewayMetrics.ServiceCalls calls, List<Endpoint> endpoints) {}

  /**
   * One endpoint of one service.
   *
   * @param address             {@code host:port}
   * @param sources             the registries that report it ({@code static#0}, {@code memory#1}...)
   * @param weight              its weight
   * @param zone                its zone, empty when none
   * @param metadata            what its registration carries
   * @param state               {@code routable}, {@code failing} (probes), {@code ejected} (calls
   *                            failed) or {@code drained} (by an operator)
   * @param reason              why it is not routable, empty when it is
   * @param lastProbe           the last probe's result in words
   * @param consecutiveFailures calls in a row that failed without an answer
   * @param ejections           ejections in a row
   * @param inFlight            streams open to it now: calls, and grpc-health probes
   */
  record Endpoint(String address, List<String> sources, int weight, String zone, Map<String, String> metadata,
      String state, String reason, String lastProbe, int consecutiveFailures, int ejections, int inFlight) {}

  Services read() {
    Map<String, List<EndpointStatus>> byService = new HashMap<>();
    health.statuses().forEach(status -> byService.computeIfAbsent(status.service(), s -> new ArrayList<>()).add(status));
    Map<String, Integer> inFlight = new HashMap<>();
    loads.get().forEach(load -> inFlight.put(load.address(), load.openStreams()));
    Map<String, GatewayMetrics.ServiceCalls> calls = metrics.serviceCalls();
    List<Service> services = new ArrayList<>();
    for (ServiceEndpoints snapshot : table.services()) {
      String name = snapshot.service();
      Map<String, List<String>> sources = table.sources(name);
      List<Endpoint> endpoints = new ArrayList<>();
      for (EndpointStatus status : byService.getOrDefault(name, List.of())) {
        io.opizontas.gateway.api.Endpoint endpoint = status.endpoint();
        String state = state(status);
        endpoints.add(new Endpoint(endpoint.address(), sources.getOrDefault(endpoint.address(), List.of()),
            endpoint.weight(), endpoint.zone() == null ? "" : endpoint.zone(), endpoint.metadata(), state,
            reason(state, status), status.lastProbe(), status.consecutiveFailures(), status.ejections(),
            inFlight.getOrDefault(endpoint.address(), 0)));
      }
      int routable = (int) endpoints.stream().filter(e -> e.state().equals("routable")).count();
      String state = endpoints.isEmpty() || routable == 0 ? DOWN : routable < endpoints.size() ? DEGRADED : HEALTHY;
      services.add(new Service(name, EndpointTable.GATEWAY_SERVICES.contains(name), state, why(endpoints, routable),
          routable, calls.getOrDefault(name, new GatewayMetrics.ServiceCalls(0, 0, 0, 0)), endpoints));
    }
    return new Services(System.currentTimeMillis(), services);
  }

  private static String state(EndpointStatus status) {
    if (status.drained()) {
      return "drained";
    }
    if (status.ejected()) {
      return "ejected";
    }
    return status.routable() ? "routable" : "failing";
  }

  /** What a state is called in a reason. */
  private static String label(String state) {
    return switch (state) {
      case "failing" -> "failing health checks";
      case "drained" -> "drained by an operator";
      default -> state;
    };
  }

  /** What an endpoint's state comes from, without the state's name; empty for routable and drained. */
  private static String detail(String state, EndpointStatus status) {
    return switch (state) {
      case "ejected" -> status.consecutiveFailures() + " consecutive failures (calls that got no answer)";
      case "failing" -> status.lastProbe();
      default -> "";
    };
  }

  private static String reason(String state, EndpointStatus status) {
    if (state.equals("routable")) {
      return "";
    }
    String detail = detail(state, status);
    return label(state) + (detail.isEmpty() ? "" : ": " + detail);
  }

  /**
   * The service's reason: each state its endpoints are out for, with how many and the first such
   * endpoint's reason, e.g. "2 of 3 endpoints ejected: 5 consecutive failures (...)".
   */
  private static String why(List<Endpoint> endpoints, int routable) {
    if (endpoints.isEmpty()) {
      return "no endpoints registered";
    }
    if (routable == endpoints.size()) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    for (String state : List.of("failing", "ejected", "drained")) {
      List<Endpoint> out = endpoints.stream().filter(e -> e.state().equals(state)).toList();
      if (!out.isEmpty()) {
        parts.add(out.size() + " of " + endpoints.size() + (endpoints.size() == 1 ? " endpoint " : " endpoints ")
            + out.get(0).reason());
      }
    }
    return String.join("; ", parts);
  }
}

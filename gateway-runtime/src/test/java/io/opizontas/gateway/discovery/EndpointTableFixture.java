package io.opizontas.gateway.discovery;

import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.testing.TestCall;
import io.opizontas.gateway.config.HealthConfig;
import io.opizontas.gateway.health.HealthTable;
import io.opizontas.gateway.routing.Router;
import io.opizontas.gateway.routing.ServiceBalancers;
import java.util.HashSet;
import java.util.Set;

/** A routing table of {@code services} × {@code perService} endpoints and the names to look up. */
final class EndpointTableFixture {

  final EndpointTable table = new EndpointTable();
  final Router router = new Router(table, HealthTable.follow(table, HealthConfig.defaults()), ServiceBalancers.roundRobin());
  final String[] names;

  private EndpointTableFixture(int services, int perService) {
    names = new String[services];
    for (int s = 0; s < services; s++) {
      names[s] = "pkg" + s + ".Service";
      Set<Endpoint> endpoints = new HashSet<>();
      for (int i = 0; i < perService; i++) {
        endpoints.add(Endpoint.of("10." + (s >> 8 & 255) + "." + (s & 255) + "." + i, 50051));
      }
      table.sink("bench").update(names[s], endpoints);
    }
  }

  /** A call without metadata: round-robin reads none. */
  private static final Call CALL = new TestCall("pkg.Service", "Method");

  static EndpointTableFixture of(int services, int perService) {
    return new EndpointTableFixture(services, perService);
  }

  /**
   * What the data path does per call: look the service's routable endpoints up, pick one, and report
   * the call's end (an answered call, for outlier ejection). The names cycle with a stride so
   * successive lookups hit different buckets. Returns a checksum so the JIT keeps the work.
   */
  int lookupAndPick(int calls) {
    int checksum = 0;
    int n = names.length;
    int next = 0;
    for (int i = 0; i < calls; i++) {
      next = (next + 7919) % n;
      String service = names[next];
      Endpoint picked = router.pick(service, router.route(service), CALL);
      router.callEnded(service, picked, GrpcStatusCode.OK, true);
      checksum += picked.port();
    }
    return checksum;
  }
}

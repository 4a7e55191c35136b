package io.opizontas.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;


import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.testing.TestCall;
import io.opizontas.gateway.config.BalancingConfig;
import io.opizontas.gateway.config.HealthConfig;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.health.HealthTable;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Zone preference, through the real routing table and router with the built-in round-robin. */
class ZonePreferenceTest {

  private static final String SERVICE = "cart.Checkout";
  private static final Endpoint EU_A = zoned("10.0.0.1", "eu-1");
  private static final Endpoint US = zoned("10.0.0.2", "us-1");
  private static final Endpoint EU_B = zoned("10.0.0.3", "eu-1");
  private static final Endpoint UNZONED = Endpoint.of("10.0.0.4", 50051);

  private static final Call CALL = new TestCall(SERVICE, "Pay");

  private final EndpointTable table = new EndpointTable();

  @Test
  void callsStayInTheGatewaysZoneWhileItHasEndpoints() {
    Router router = router("eu-1", null);
    publish(EU_A, US, EU_B, UNZONED);

    assertThat(picks(router, 100)).containsExactlyInAnyOrder(EU_A, EU_B);
  }

  @Test
  void withNoEndpointLeftInTheZoneCallsGoToAll() {
    Router router = router("eu-1", null);
    publish(EU_A, US, UNZONED);
    assertThat(picks(router, 10)).containsExactly(EU_A);

    publish(US, UNZONED);

    assertThat(picks(router, 100)).containsExactlyInAnyOrder(US, UNZONED);
  }

  @Test
  void theEnvironmentNamesTheZoneWhenTheFileDoesNotAndTheFileWins() {
    publish(EU_A, US);

    assertThat(picks(router("", "us-1"), 10)).containsExactly(US);
    assertThat(picks(router("eu-1", "us-1"), 10)).containsExactly(EU_A);
  }

  @Test
  void withoutAZoneEveryEndpointIsPicked() {
    publish(EU_A, US, EU_B, UNZONED);

    assertThat(picks(router("", null), 100)).containsExactlyInAnyOrder(EU_A, US, EU_B, UNZONED);
  }

  @Test
  void theZonesSubsetIsOneListInstanceWhileTheSetIsUnchanged() {
    ZonePreference zone = new ZonePreference("eu-1");
    List<Endpoint> all = List.of(EU_A, US, EU_B);

    List<Endpoint> first = zone.prefer(all);

    assertThat(first).containsExactly(EU_A, EU_B);
    assertThat(zone.prefer(all)).isSameAs(first);
    assertThat(zone.prefer(List.of(EU_A, US))).containsExactly(EU_A);
  }

  private Router router(String configured, String environment) {
    BalancingConfig config = new BalancingConfig(BalancingConfig.defaults().defaultStrategy(), List.of(), configured,
        BalancingConfig.Retries.DEFAULTS);
    return new Router(table, HealthTable.follow(table, HealthConfig.defaults()),
        ServiceBalancers.start(config, environment, section -> null));
  }

  private void publish(Endpoint... endpoints) {
    table.sink("test").update(SERVICE, new LinkedHashSet<>(List.of(endpoints)));
  }

  private static Set<Endpoint> picks(Router router, int calls) {
    Set<Endpoint> picked = new HashSet<>();
    ServiceRoute route = router.route(SERVICE);
    for (int i = 0; i < calls; i++) {
      picked.add(router.pick(SERVICE, route, CALL));
    }
    return picked;
  }

  private static Endpoint zoned(String host, String zone) {
    return new Endpoint(host, 50051, 1, zone, Map.of());
  }
}

package io.opizontas.gateway.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.HealthState;
import io.opizontas.gateway.config.HealthConfig;
import io.opizontas.gateway.discovery.EndpointTable;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What routing sees of a service: only routable endpoints, the same list instance while that set
 * stands, thresholds on probe results, panic routing, and why nothing is routable.
 */
class HealthTableTest {

  private static final String SERVICE = "shop.Cart";
  private static final Endpoint A = Endpoint.of("10.0.0.1", 50051);
  private static final Endpoint B = Endpoint.of("10.0.0.2", 50051);
  private static final Endpoint C = Endpoint.of("10.0.0.3", 50051);

  private final EndpointTable table = new EndpointTable();
  private HealthTable health;

  @AfterEach
  void close() {
    health.close();
  }

  private void start(int panicPercent) {
    HealthConfig d = HealthConfig.defaults();
    health = HealthTable.follow(table, new HealthConfig(null, List.of(), d.interval(), d.timeout(), 2, 2, panicPercent,
        d.ejection()));
    table.sink("test").update(SERVICE, Set.of(A, B, C));
  }

  private void probe(Endpoint endpoint, HealthState result, int times) {
    for (int i = 0; i < times; i++) {
      health.probed(SERVICE, endpoint, result, "test probe: " + result);
    }
  }

  @Test
  void theRoutableListIsTheSameInstanceWhileItsSetStands() {
    start(0);
    List<Endpoint> all = health.routable(SERVICE);
    assertThat(all).containsExactlyInAnyOrder(A, B, C);
    assertThat(all).isSameAs(table.lookup(SERVICE).asList());

    probe(A, HealthState.HEALTHY, 3);
    probe(B, HealthState.UNHEALTHY, 1);
    health.callEnded(SERVICE, C, GrpcStatusCode.UNAVAILABLE, false);
    health.callEnded(SERVICE, C, GrpcStatusCode.OK, true);
    assertThat(health.routable(SERVICE)).isSameAs(all);

    probe(B, HealthState.UNHEALTHY, 1);
    List<Endpoint> withoutB = health.routable(SERVICE);
    assertThat(withoutB).containsExactlyInAnyOrder(A, C);
    probe(B, HealthState.UNHEALTHY, 5);
    probe(B, HealthState.HEALTHY, 1);
    probe(A, HealthState.UNKNOWN, 5);
    assertThat(health.routable(SERVICE)).isSameAs(withoutB);

    probe(B, HealthState.HEALTHY, 1);
    assertThat(health.routable(SERVICE)).containsExactlyInAnyOrder(A, B, C);
  }

  @Test
  void aServiceWithNothingRoutableSaysWhy() {
    start(0);
    probe(A, HealthState.UNHEALTHY, 2);
    probe(B, HealthState.UNHEALTHY, 2);
    probe(C, HealthState.UNHEALTHY, 2);

    assertThat(health.routable(SERVICE)).isEmpty();
    assertThat(health.whyUnroutable(SERVICE)).isEqualTo("3 endpoints, all failing health checks");
    assertThat(health.statuses()).extracting(EndpointStatus::lastProbe).containsOnly("test probe: UNHEALTHY");
    assertThat(health.routable("never.Reported")).isNull();
  }

  @Test
  void underThePanicThresholdCallsGoToEveryEndpoint() {
    start(50);
    probe(A, HealthState.UNHEALTHY, 2);
    assertThat(health.routable(SERVICE)).containsExactlyInAnyOrder(B, C);

    probe(B, HealthState.UNHEALTHY, 2);
    assertThat(health.routable(SERVICE)).containsExactlyInAnyOrder(A, B, C);

    probe(B, HealthState.HEALTHY, 2);
    assertThat(health.routable(SERVICE)).containsExactlyInAnyOrder(B, C);
  }

  @Test
  void aDrainedEndpointStaysOutEvenInPanicAndDoesNotCountTowardIt() {
    start(50);
    assertThat(health.drain(null, A.address(), true)).containsExactly(SERVICE);
    // Two of three routable is not under 50 %: no panic brings A back.
    assertThat(health.routable(SERVICE)).containsExactlyInAnyOrder(B, C);

    probe(B, HealthState.UNHEALTHY, 2);
    probe(C, HealthState.UNHEALTHY, 2);
    assertThat(health.routable(SERVICE)).as("panic routes to the undrained ones").containsExactlyInAnyOrder(B, C);
    probe(B, HealthState.HEALTHY, 2);
    probe(C, HealthState.HEALTHY, 2);
    assertThat(health.drain(SERVICE, A.address(), false)).containsExactly(SERVICE);
    assertThat(health.routable(SERVICE)).isSameAs(table.lookup(SERVICE).asList());
  }

  @Test
  void aDrainLastsWhileTheEndpointIsRegisteredAndEndsWhenItLeaves() {
    start(0);
    health.drain(SERVICE, A.address(), true);
    Endpoint heavierA = new Endpoint(A.host(), A.port(), 5, "", null);

    table.sink("test").update(SERVICE, Set.of(heavierA, B, C));
    assertThat(health.routable(SERVICE)).containsExactlyInAnyOrder(B, C);
    assertThat(health.whyUnroutable(SERVICE)).contains("1 drained by an operator");

    table.sink("test").update(SERVICE, Set.of(B, C));
    table.sink("test").update(SERVICE, Set.of(A, B, C));
    assertThat(health.routable(SERVICE)).containsExactlyInAnyOrder(A, B, C);
    assertThat(health.drain("other.Service", A.address(), true)).isEmpty();
  }

  @Test
  void anEndpointKeepsItsStateWhenItsRegistrationChanges() {
    start(0);
    probe(A, HealthState.UNHEALTHY, 2);
    Endpoint heavierA = new Endpoint(A.host(), A.port(), 5, "", null);

    table.sink("test").update(SERVICE, Set.of(heavierA, B, C));

    assertThat(health.routable(SERVICE)).containsExactlyInAnyOrder(B, C);
    probe(heavierA, HealthState.HEALTHY, 2);
    assertThat(health.routable(SERVICE)).contains(heavierA);
  }

  @Test
  void ejectionsGrowWithEachEjectionInARow() {
    HealthConfig d = HealthConfig.defaults();
    health = HealthTable.follow(table, new HealthConfig(null, List.of(), d.interval(), d.timeout(), 2, 2, 0,
        new HealthConfig.Ejection(3, Duration.ofMillis(300), Duration.ofSeconds(10), 50)));
    table.sink("test").update(SERVICE, Set.of(A, B, C));

    for (int i = 0; i < 3; i++) {
      health.callEnded(SERVICE, A, GrpcStatusCode.UNAVAILABLE, false);
    }
    assertThat(health.routable(SERVICE)).containsExactlyInAnyOrder(B, C);
    assertThat(health.whyUnroutable(SERVICE)).contains("0 failing health checks, 1 ejected");
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> health.routable(SERVICE).size() == 3);

    for (int i = 0; i < 3; i++) {
      health.callEnded(SERVICE, A, GrpcStatusCode.INTERNAL, false);
    }
    assertThat(health.statuses()).filteredOn(EndpointStatus::ejected).extracting(EndpointStatus::ejections)
        .containsExactly(2);
    // Cancellations and deadlines say nothing about the endpoint.
    for (int i = 0; i < 10; i++) {
      health.callEnded(SERVICE, B, GrpcStatusCode.CANCELLED, false);
      health.callEnded(SERVICE, B, GrpcStatusCode.DEADLINE_EXCEEDED, false);
    }
    assertThat(health.routable(SERVICE)).contains(B);
  }
}

package io.opizontas.gateway.plugins.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;


import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.PluginConfigException;
import io.opizontas.gateway.api.RegistryLease;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.api.testing.RecordingEndpointSink;
import io.opizontas.gateway.api.testing.TestPluginContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MemoryRegistryTest {

  private final TestPluginContext context = new TestPluginContext("memory");
  private final RecordingEndpointSink sink = new RecordingEndpointSink();
  private final MemoryRegistry registry = new MemoryRegistry();

  private void start(Map<String, Object> settings) {
    registry.start(new TablePluginConfig("memory", settings), context, sink);
  }

  @AfterEach
  void stop() {
    registry.close();
    context.close();
  }

  private List<Endpoint> endpoints(String service) {
    return List.copyOf(sink.endpoints(service));
  }

  @Test
  void registrationReachesTheTableAndDeregistrationRemovesItAtOnce() {
    start(Map.of());
    Endpoint a = Endpoint.of("10.0.0.1", 8080);
    RegistryLease lease = registry.register(Set.of("post.PostService", "post.Admin"), a, Duration.ofSeconds(30));

    assertThat(lease.ttl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(endpoints("post.PostService")).containsExactly(a);
    assertThat(endpoints("post.Admin")).containsExactly(a);

    assertThat(registry.deregister(lease.id())).isTrue();
    assertThat(endpoints("post.PostService")).isEmpty();
    assertThat(endpoints("post.Admin")).isEmpty();
    assertThat(registry.deregister(lease.id())).isFalse();
    assertThat(registry.keepAlive(lease.id())).isEmpty();
  }

  @Test
  void aLeaseLapsesAfterItsTtlAndKeepAliveReportsItUnknown() {
    start(Map.of());
    RegistryLease lease =
        registry.register(Set.of("svc.A"), Endpoint.of("10.0.0.1", 1), Duration.ofMillis(300));
    assertThat(endpoints("svc.A")).hasSize(1);

    await().atMost(Duration.ofSeconds(3)).until(() -> endpoints("svc.A").isEmpty());
    assertThat(registry.keepAlive(lease.id())).isEmpty();
    assertThat(context.metrics().gauge("memory_registry_leases")).isZero();
  }

  @Test
  void aWallClockStepBackDoesNotKeepALeasePastItsTtl() {
    // The wall clock steps an hour back right after the registration (an NTP correction, a VM
    // resumed): the lease must still lapse after its TTL, not an hour later.
    Clock steppedBack = Clock.offset(Clock.systemUTC(), Duration.ofHours(-1));
    AtomicReference<Clock> wall = new AtomicReference<>(Clock.systemUTC());
    context.withClock(new DelegatingClock(wall));
    start(Map.of());
    registry.register(Set.of("svc.A"), Endpoint.of("10.0.0.1", 1), Duration.ofMillis(300));
    wall.set(steppedBack);

    await().atMost(Duration.ofSeconds(3)).until(() -> endpoints("svc.A").isEmpty());
  }

  /** A clock that reads whichever clock the test currently points it at. */
  private static final class DelegatingClock extends Clock {
    private final AtomicReference<Clock> target;

    DelegatingClock(AtomicReference<Clock> target) {
      this.target = target;
    }

    @Override public ZoneId getZone() { return target.get().getZone(); }
    @Override public Clock withZone(ZoneId zone) { return this; }
    @Override public Instant instant() { return target.get().instant(); }
  }

  @Test
  void keepAliveHoldsALeasePastItsTtl() {
    start(Map.of());
    RegistryLease lease =
        registry.register(Set.of("svc.A"), Endpoint.of("10.0.0.1", 1), Duration.ofSeconds(1));
    long until = System.nanoTime() + Duration.ofMillis(3500).toNanos();
    // Renew every poll (200 ms) for over three TTLs: the endpoint must never drop out.
    await()
        .pollInterval(Duration.ofMillis(200))
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              assertThat(registry.keepAlive(lease.id())).contains(Duration.ofSeconds(1));
              assertThat(endpoints("svc.A")).hasSize(1);
              return System.nanoTime() > until;
            });
    await().atMost(Duration.ofSeconds(3)).until(() -> endpoints("svc.A").isEmpty());
  }

  @Test
  void registeringTheSameServicesAndAddressAgainUpdatesTheSameLease() {
    start(Map.of());
    Endpoint first = new Endpoint("10.0.0.1", 9000, 1, "a", Map.of("v", "1"));
    Endpoint second = new Endpoint("10.0.0.1", 9000, 5, "b", Map.of("v", "2"));
    RegistryLease one = registry.register(Set.of("svc.A"), first, Duration.ofSeconds(30));
    RegistryLease two = registry.register(Set.of("svc.A"), second, Duration.ofSeconds(30));

    assertThat(two.id()).isEqualTo(one.id());
    assertThat(endpoints("svc.A")).containsExactly(second);
    assertThat(context.metrics().gauge("memory_registry_leases")).isEqualTo(1.0);
  }

  @Test
  void anAddressInTwoLeasesIsReportedOnceAndSurvivesEitherLeaseEnding() {
    start(Map.of());
    Endpoint wide = new Endpoint("10.0.0.1", 9000, 1, "", Map.of("lease", "wide"));
    Endpoint narrow = new Endpoint("10.0.0.1", 9000, 1, "", Map.of("lease", "narrow"));
    RegistryLease both = registry.register(Set.of("svc.A", "svc.B"), wide, Duration.ofSeconds(30));
    RegistryLease onlyA = registry.register(Set.of("svc.A"), narrow, Duration.ofSeconds(30));

    assertThat(onlyA.id()).isNotEqualTo(both.id());
    assertThat(endpoints("svc.A")).containsExactly(narrow); // the newest registration wins
    registry.deregister(onlyA.id());
    assertThat(endpoints("svc.A")).containsExactly(wide);
    assertThat(endpoints("svc.B")).containsExactly(wide);
  }

  @Test
  void maxLeasesBoundsTheRegistry() {
    start(Map.of("max_leases", 2L));
    registry.register(Set.of("svc.A"), Endpoint.of("10.0.0.1", 1), Duration.ofSeconds(30));
    registry.register(Set.of("svc.A"), Endpoint.of("10.0.0.1", 2), Duration.ofSeconds(30));
    assertThatThrownBy(
            () -> registry.register(Set.of("svc.A"), Endpoint.of("10.0.0.1", 3), Duration.ofSeconds(30)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("maximum of 2");
    assertThat(endpoints("svc.A")).hasSize(2);
  }

  @Test
  void aBadSettingNamesTheKey() {
    assertThatThrownBy(() -> start(Map.of("max_leases", 0L)))
        .isInstanceOf(PluginConfigException.class)
        .hasMessageContaining("max_leases");
  }

  @Test
  void closingForgetsEveryLease() {
    start(Map.of());
    registry.register(Set.of("svc.A"), Endpoint.of("10.0.0.1", 1), Duration.ofSeconds(30));
    registry.close();
    assertThat(endpoints("svc.A")).isEmpty();
    assertThatThrownBy(
            () -> registry.register(Set.of("svc.A"), Endpoint.of("10.0.0.1", 1), Duration.ofSeconds(30)))
        .isInstanceOf(IllegalStateException.class);
  }
}

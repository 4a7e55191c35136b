package io.opizontas.gateway.plugins.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;


import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.RegistryLease;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.api.testing.RecordingEndpointSink;
import io.opizontas.gateway.api.testing.TestPluginContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** 10,000 endpoints across 1,000 services: every one registers, the kept ones stay, the rest lapse. */
class MemoryRegistryScaleTest {

  private static final int SERVICES = 1_000;
  private static final int PER_SERVICE = 10;

  @Test
  void tenThousandEndpointsRegisterAndExpire() {
    RecordingEndpointSink sink = new RecordingEndpointSink();
    MemoryRegistry registry = new MemoryRegistry();
    try (TestPluginContext context = new TestPluginContext("memory")) {
      registry.start(new TablePluginConfig("memory", Map.of()), context, sink);
      // The kept leases outlive registering all 10,000 however slow the machine is; the others
      // lapse soon after.
      Duration keptTtl = Duration.ofSeconds(60);
      Duration lapsingTtl = Duration.ofSeconds(2);
      List<RegistryLease> kept = new ArrayList<>();
      for (int s = 0; s < SERVICES; s++) {
        for (int i = 0; i < PER_SERVICE; i++) {
          RegistryLease lease = registry.register(Set.of("svc" + s + ".Service"),
              Endpoint.of("10.0." + s % 250 + "." + i, 10_000 + s), s % 2 == 0 ? keptTtl : lapsingTtl);
          if (s % 2 == 0) {
            kept.add(lease);
          }
        }
        assertThat(sink.endpoints("svc" + s + ".Service")).hasSize(PER_SERVICE);
      }

      // Keep the even services alive on every poll; the odd ones must all lapse, and only they.
      await()
          .pollInterval(Duration.ofMillis(200))
          .atMost(Duration.ofSeconds(15))
          .until(
              () -> {
                kept.forEach(lease -> assertThat(registry.keepAlive(lease.id())).isPresent());
                return context.metrics().gauge("memory_registry_leases") == kept.size();
              });
      for (int s = 0; s < SERVICES; s++) {
        assertThat(sink.endpoints("svc" + s + ".Service")).as("svc%d", s).hasSize(s % 2 == 0 ? PER_SERVICE : 0);
      }
      registry.close();
    }
  }
}

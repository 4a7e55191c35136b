package io.opizontas.gateway.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opizontas.gateway.api.PluginMetrics;
import org.junit.jupiter.api.Test;

class MemoryPluginMetricsTest {

  private final MemoryPluginMetrics metrics = new MemoryPluginMetrics();

  @Test
  void aNameRegisteredTwiceIsOneCounter() {
    PluginMetrics.Counter first = metrics.counter("calls_total", "Calls");
    first.increment();
    metrics.counter("calls_total", "Calls").add(2);
    assertThat(metrics.snapshot()).containsEntry("calls_total", 3.0);
  }

  @Test
  void gaugesAreReadAtSnapshotAndABrokenOneIsLeftOut() {
    metrics.gauge("leases", "Live leases", () -> 7);
    metrics.gauge("broken", "Throws", () -> {
      throw new IllegalStateException("bug");
    });
    assertThat(metrics.snapshot()).containsEntry("leases", 7.0).doesNotContainKey("broken");
  }

  @Test
  void namesAndAmountsAreChecked() {
    assertThatThrownBy(() -> metrics.counter("Calls-Total", "")).hasMessageContaining("lower_snake_case");
    assertThatThrownBy(() -> metrics.counter("ok", "").add(-1)).hasMessageContaining("cannot go down");
  }
}

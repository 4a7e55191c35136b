package io.opizontas.gateway.api.testing;

import io.opizontas.gateway.api.PluginMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/**
 * Metrics a test can read back: what a plugin counted and what its gauges say now. Names are
 * checked as the runtime checks them ({@link PluginMetrics#checkName}); counters refuse to go down.
 * Thread-safe.
 */
public final class RecordingPluginMetrics implements PluginMetrics {

  private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
  private final Map<String, DoubleSupplier> gauges = new ConcurrentHashMap<>();

  @Override
  public Counter counter(String name, String help) {
    LongAdder sum = counters.computeIfAbsent(PluginMetrics.checkName(name), n -> new LongAdder());
    return amount -> {
      if (amount < 0) {
        throw new IllegalArgumentException("a counter cannot go down (" + amount + ")");
      }
      sum.add(amount);
    };
  }

  /** Registers {@code value}; registering a name again replaces the supplier, as in the runtime. */
  @Override
  public void gauge(String name, String help, DoubleSupplier value) {
    gauges.put(PluginMetrics.checkName(name), value);
  }

  /** What counter {@code name} has counted; 0 when the plugin never registered it. */
  public long count(String name) {
    LongAdder sum = counters.get(name);
    return sum == null ? 0 : sum.sum();
  }

  /**
   * What gauge {@code name} reads now.
   *
   * @throws IllegalStateException when the plugin registered no such gauge
   */
  public double gauge(String name) {
    DoubleSupplier value = gauges.get(name);
    if (value == null) {
      throw new IllegalStateException("no gauge '" + name + "' is registered (registered: " + gauges.keySet() + ")");
    }
    return value.getAsDouble();
  }
}

package io.opizontas.gateway.plugin;

import io.opizontas.gateway.api.PluginMetrics;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/**
 * One plugin's metrics, held in memory until the admin endpoint exports them. Thread-safe; counter
 * increments are lock-free.
 */
public final class MemoryPluginMetrics implements PluginMetrics {

  private final ConcurrentMap<String, AdderCounter> counters = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, DoubleSupplier> gauges = new ConcurrentHashMap<>();

  @Override
  public Counter counter(String name, String help) {
    return counters.computeIfAbsent(PluginMetrics.checkName(name), n -> new AdderCounter());
  }

  /** Registers {@code value}; registering a name again replaces the supplier (a restarted extension). */
  @Override
  public void gauge(String name, String help, DoubleSupplier value) {
    gauges.put(PluginMetrics.checkName(name), value);
  }

  /** Every counter and gauge by name, read now. A gauge that throws is left out. */
  public Map<String, Double> snapshot() {
    Map<String, Double> values = new TreeMap<>();
    counters.forEach((name, counter) -> values.put(name, (double) counter.sum.sum()));
    gauges.forEach(
        (name, gauge) -> {
          try {
            values.put(name, gauge.getAsDouble());
          } catch (RuntimeException e) {
            // A plugin's broken gauge must not break the export of every other metric.
          }
        });
    return values;
  }

  private static final class AdderCounter implements Counter {
    private final LongAdder sum = new LongAdder();

    @Override
    public void add(long amount) {
      if (amount < 0) {
        throw new IllegalArgumentException("a counter cannot go down (" + amount + ")");
      }
      sum.add(amount);
    }
  }
}

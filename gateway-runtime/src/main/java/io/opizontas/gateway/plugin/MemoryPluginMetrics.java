package io.opizontas.gateway.plugin;

import io.opizontas.gateway.api.PluginMetrics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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
  private final ConcurrentMap<String, HelpedGauge> gauges = new ConcurrentHashMap<>();

  /** One metric read now, as exported: its name, help, kind and value. */
  public record Reading(String name, String help, boolean counter, double value) {}

  @Override
  public Counter counter(String name, String help) {
    return counters.computeIfAbsent(PluginMetrics.checkName(name), n -> new AdderCounter(help));
  }

  /** Registers {@code value}; registering a name again replaces the supplier (a restarted extension). */
  @Override
  public void gauge(String name, String help, DoubleSupplier value) {
    gauges.put(PluginMetrics.checkName(name), new HelpedGauge(help == null ? "" : help, value));
  }

  /** Every counter and gauge by name, read now. A gauge that throws is left out. */
  public Map<String, Double> snapshot() {
    Map<String, Double> values = new TreeMap<>();
    readings().forEach(reading -> values.put(reading.name(), reading.value()));
    return values;
  }

  /** Every counter and gauge, read now, by name. A gauge that throws is left out. */
  public List<Reading> readings() {
    List<Reading> readings = new ArrayList<>();
    counters.forEach((name, counter) -> readings.add(new Reading(name, counter.help, true, counter.sum.sum())));
    gauges.forEach(
        (name, gauge) -> {
          try {
            readings.add(new Reading(name, gauge.help(), false, gauge.value().getAsDouble()));
          } catch (RuntimeException e) {
            // A plugin's broken gauge must not break the export of every other metric.
          }
        });
    readings.sort(Comparator.comparing(Reading::name));
    return readings;
  }

  private record HelpedGauge(String help, DoubleSupplier value) {}

  private static final class AdderCounter implements Counter {
    private final LongAdder sum = new LongAdder();
    private final String help;

    AdderCounter(String help) {
      this.help = help == null ? "" : help;
    }

    @Override
    public void add(long amount) {
      if (amount < 0) {
        throw new IllegalArgumentException("a counter cannot go down (" + amount + ")");
      }
      sum.add(amount);
    }
  }
}

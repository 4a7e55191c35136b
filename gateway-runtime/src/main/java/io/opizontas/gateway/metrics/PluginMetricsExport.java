package io.opizontas.gateway.metrics;

import io.opizontas.gateway.plugin.MemoryPluginMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The metrics plugins register through their {@code PluginMetrics}, read at each scrape: metric
 * {@code name} of plugin {@code id} is {@code opizontas_plugin_<name>{plugin="<id>"}}, a counter
 * or a gauge as registered. Plugins that use one name for different kinds: the first plugin (by id)
 * sets the kind, and the other's metric is left out rather than break the scrape.
 */
final class PluginMetricsExport implements MultiCollector {

  private static final String PREFIX = "opizontas_plugin_";

  private final Supplier<Map<String, MemoryPluginMetrics>> plugins;

  PluginMetricsExport(Supplier<Map<String, MemoryPluginMetrics>> plugins) {
    this.plugins = plugins;
  }

  @Override
  public MetricSnapshots collect() {
    Map<String, Family> families = new LinkedHashMap<>();
    plugins.get().forEach((id, metrics) -> {
      Labels labels = Labels.of("plugin", id);
      for (MemoryPluginMetrics.Reading reading : metrics.readings()) {
        String name = PREFIX + reading.name().replaceFirst("_total$", "");
        Family family = families.computeIfAbsent(name, n -> new Family(reading.counter(), reading.help()));
        if (family.counter == reading.counter()) {
          family.points.add(new Point(labels, reading.value()));
        }
      }
    });
    List<MetricSnapshot> snapshots = new ArrayList<>(families.size());
    families.forEach((name, family) -> snapshots.add(family.snapshot(name)));
    return new MetricSnapshots(snapshots);
  }

  private record Point(Labels labels, double value) {}

  private static final class Family {
    final boolean counter;
    final String help;
    final List<Point> points = new ArrayList<>();

    Family(boolean counter, String help) {
      this.counter = counter;
      this.help = help;
    }

    MetricSnapshot snapshot(String name) {
      if (counter) {
        CounterSnapshot.Builder builder = CounterSnapshot.builder().name(name).help(help);
        points.forEach(p -> builder.dataPoint(
            CounterSnapshot.CounterDataPointSnapshot.builder().labels(p.labels()).value(p.value()).build()));
        return builder.build();
      }
      GaugeSnapshot.Builder builder = GaugeSnapshot.builder().name(name).help(help);
      points.forEach(p -> builder.dataPoint(
          GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(p.labels()).value(p.value()).build()));
      return builder.build();
    }
  }
}

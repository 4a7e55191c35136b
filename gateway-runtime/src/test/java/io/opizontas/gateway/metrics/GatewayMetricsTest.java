package io.opizontas.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.plugin.MemoryPluginMetrics;
import io.opizontas.gateway.testing.PrometheusText;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GatewayMetricsTest {

  private static final String SERVICE = "shop.Cart";

  private final GatewayMetrics metrics = new GatewayMetrics(Set.of(SERVICE)::contains, "1.2.3");

  /**
   * A million calls counted in a row allocate nothing. In a JVM shared with other tests a round can
   * catch one-off allocations (deoptimization and recompilation after a GC), so up to five rounds
   * run: if counting allocated per call, no round could come out at zero.
   */
  @Test
  void countingACallAllocatesNothingOnceItsSeriesAreResolved() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    String method = "Add";
    count(method, 1_000_000); // warm up: JIT, class loading, first data points of each code
    threads.getThreadAllocatedBytes(thread);

    List<Long> rounds = new ArrayList<>();
    for (int round = 0; round < 5 && !rounds.contains(0L); round++) {
      long before = threads.getThreadAllocatedBytes(thread);
      count(method, 1_000_000);
      rounds.add(threads.getThreadAllocatedBytes(thread) - before);
    }

    assertThat(rounds).as("bytes allocated per round of a million calls").contains(0L);
  }

  /** What ProxyCall does per call: resolve the series, then count start, bytes and end. */
  private void count(String method, int calls) {
    for (int i = 0; i < calls; i++) {
      MethodSeries series = metrics.series(SERVICE, method);
      series.started();
      series.requestBytes(20);
      series.responseBytes(40);
      series.finished((i & 1) == 0 ? GrpcStatusCode.OK : GrpcStatusCode.NOT_FOUND, 1_000_000);
    }
  }

  @Test
  void methodsPastTheCapShareOneOtherSeries() throws IOException {
    for (int i = 0; i < GatewayMetrics.MAX_METHODS_PER_SERVICE + 50; i++) {
      metrics.series(SERVICE, "M" + i).started();
    }

    PrometheusText text = scrape();

    long methods = text.samples().keySet().stream()
        .filter(series -> series.startsWith("opizontas_calls_started_total{")).count();
    assertThat(methods).isEqualTo(GatewayMetrics.MAX_METHODS_PER_SERVICE + 1);
    assertThat(text.value("opizontas_calls_started_total", "service", SERVICE, "method", "other")).isEqualTo(50);
    assertThat(text.value("opizontas_calls_started_total", "service", SERVICE, "method", "M0")).isEqualTo(1);
  }

  @Test
  void unknownServicesFoldIntoOneSeries() throws IOException {
    metrics.series("a.B", "C").started();
    metrics.series("x.Y", "Z").started();

    assertThat(scrape().value("opizontas_calls_started_total", "service", "unknown", "method", "unknown"))
        .isEqualTo(2);
  }

  @Test
  void pluginMetricsAreExportedUnderThePluginId() throws IOException {
    MemoryPluginMetrics quota = new MemoryPluginMetrics();
    quota.counter("denied_total", "Calls denied").add(3);
    quota.gauge("buckets", "Token buckets held", () -> 7);
    MemoryPluginMetrics audit = new MemoryPluginMetrics();
    audit.counter("denied", "Calls denied").increment();
    metrics.watchPlugins(() -> Map.of("quota", quota, "audit", audit));
    metrics.pluginFailed("quota");
    metrics.configReloaded(true);
    metrics.configReloaded(false);
    metrics.configReloaded(false);

    PrometheusText text = scrape();

    assertThat(text.type("opizontas_plugin_denied_total")).isEqualTo("counter");
    assertThat(text.value("opizontas_plugin_denied_total", "plugin", "quota")).isEqualTo(3);
    assertThat(text.value("opizontas_plugin_denied_total", "plugin", "audit")).isEqualTo(1);
    assertThat(text.type("opizontas_plugin_buckets")).isEqualTo("gauge");
    assertThat(text.value("opizontas_plugin_buckets", "plugin", "quota")).isEqualTo(7);
    assertThat(text.value("opizontas_call_filter_failures_total", "plugin", "quota")).isEqualTo(1);
    assertThat(text.value("opizontas_config_reloads_total", "result", "ok")).isEqualTo(1);
    assertThat(text.value("opizontas_config_reloads_total", "result", "failed")).isEqualTo(2);
    assertThat(text.value("opizontas_build_info", "version", "1.2.3", "java", Runtime.version().toString()))
        .isEqualTo(1);
  }

  private PrometheusText scrape() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
    return PrometheusText.parse(out.toString(StandardCharsets.UTF_8));
  }
}

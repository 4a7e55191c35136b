package io.opizontas.bench.balancing;

import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.PluginMetrics;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The context a strategy starts with here: a clock and a logger; the shipped strategies use no more. */
record BenchContext(String pluginId) implements PluginContext {

  @Override
  public Clock clock() {
    return Clock.systemUTC();
  }

  @Override
  public Logger logger() {
    return LoggerFactory.getLogger("opizontas.plugin." + pluginId);
  }

  @Override
  public PluginMetrics metrics() {
    throw new UnsupportedOperationException("the shipped strategies keep no metrics");
  }

  @Override
  public ScheduledExecutorService scheduler() {
    throw new UnsupportedOperationException("the shipped strategies schedule nothing");
  }
}

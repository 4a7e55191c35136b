package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.PluginMetrics;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The context a strategy starts with; the built-in strategies need nothing from it but a logger. */
final class TestContext implements PluginContext {

  @Override
  public String pluginId() {
    return "balancers";
  }

  @Override
  public Clock clock() {
    return Clock.systemUTC();
  }

  @Override
  public Logger logger() {
    return LoggerFactory.getLogger("opizontas.plugin.balancers");
  }

  @Override
  public PluginMetrics metrics() {
    throw new UnsupportedOperationException("the built-in strategies keep no metrics");
  }

  @Override
  public ScheduledExecutorService scheduler() {
    throw new UnsupportedOperationException("the built-in strategies schedule nothing");
  }
}

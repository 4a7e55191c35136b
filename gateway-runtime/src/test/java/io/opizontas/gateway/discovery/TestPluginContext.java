package io.opizontas.gateway.discovery;

import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.PluginMetrics;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PluginContext} for tests of registry backends: the system clock, a real Logback logger
 * named after the plugin, counters kept in memory, and a scheduler of its own that {@link #close}
 * stops. Shipped in gateway-runtime's test-jar so each plugin module's tests can use it until the
 * plugin manager's own context is merged.
 */
public final class TestPluginContext implements PluginContext, AutoCloseable {

  private final String pluginId;
  private final Logger logger;
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, task -> {
    Thread thread = new Thread(task, "test-plugin-scheduler");
    thread.setDaemon(true);
    return thread;
  });
  private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
  private final Map<String, DoubleSupplier> gauges = new ConcurrentHashMap<>();

  public TestPluginContext(String pluginId) {
    this.pluginId = pluginId;
    this.logger = LoggerFactory.getLogger("plugin." + pluginId);
  }

  @Override
  public String pluginId() {
    return pluginId;
  }

  @Override
  public Clock clock() {
    return Clock.systemUTC();
  }

  @Override
  public Logger logger() {
    return logger;
  }

  @Override
  public PluginMetrics metrics() {
    return new PluginMetrics() {
      @Override
      public Counter counter(String name, String help) {
        AtomicLong value = counters.computeIfAbsent(name, n -> new AtomicLong());
        return value::addAndGet;
      }

      @Override
      public void gauge(String name, String help, DoubleSupplier value) {
        gauges.put(name, value);
      }
    };
  }

  @Override
  public ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /** The value of a counter the plugin registered, 0 when it never did. */
  public long counter(String name) {
    AtomicLong value = counters.get(name);
    return value == null ? 0 : value.get();
  }

  /** The current value of a gauge the plugin registered. */
  public double gauge(String name) {
    return gauges.get(name).getAsDouble();
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}

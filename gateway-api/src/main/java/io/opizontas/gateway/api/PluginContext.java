package io.opizontas.gateway.api;

import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;

/**
 * What the runtime lends a plugin: a clock, a logger, metrics and a scheduler. Nothing else of the
 * runtime is reachable from a plugin, on purpose.
 *
 * <p>Every method is safe to call from any thread and returns the same object each time. Instances
 * made for the same plugin id share their logger, metrics and scheduler.
 */
public interface PluginContext {

  /** The id of the plugin this context was made for. */
  String pluginId();

  /** The runtime's clock; tests may replace it, so prefer it over {@link System#currentTimeMillis()}. */
  Clock clock();

  /** A logger named {@code opizontas.plugin.<plugin id>}, so operators can tune each plugin's level. */
  Logger logger();

  /** Metrics registered here are exported with the gateway's own, labelled with the plugin id. */
  PluginMetrics metrics();

  /**
   * A shared scheduler for timers and periodic work (lease expiry, polling, timeouts of async
   * filters). Tasks must not block for long: they share a small pool with the rest of the gateway. A
   * periodic task that throws is not run again, as with any {@link ScheduledExecutorService}: catch
   * what you expect. Shutting it down is ignored.
   */
  ScheduledExecutorService scheduler();
}

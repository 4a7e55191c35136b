package io.opizontas.gateway.api;

import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;

/**
 * What the runtime lends a plugin: a clock, a logger, metrics, a scheduler of its own, and unary
 * calls to endpoints over the gateway's backend connections. This and
 * the arguments of the extension points are the whole contract: the gateway's other classes can be
 * loaded through a plugin's parent class loader, but they are internals that change without notice.
 *
 * <p>Every method is safe to call from any thread and returns the same object each time. Instances
 * made for the same plugin id share their logger, metrics and scheduler.
 *
 * <p><b>Which thread runs what.</b>
 *
 * <ul>
 *   <li>{@link CallFilter} methods run on the gateway's <em>filters</em> pool, a few threads (as
 *       many as the machine has cores) shared by every filter of every call: filters must not block
 *       there, or other calls wait for them.
 *   <li>Tasks given to {@link #scheduler()} run on this plugin's own thread. Blocking there (a
 *       blocking client, disk I/O, a slow remote delete) is allowed and only delays this plugin's
 *       own tasks.
 *   <li>The timeouts of filters run on a timer of the gateway's that no plugin code ever runs on,
 *       so a plugin that blocks cannot keep them from firing.
 * </ul>
 *
 * <p>Other extension points say where their own methods are called from ({@link Balancer#pick}, for
 * one, runs on the data path).
 */
public interface PluginContext {

  /** The id of the plugin this context was made for. */
  String pluginId();

  /** The runtime's clock; tests may replace it, so prefer it over {@link System#currentTimeMillis()}. */
  Clock clock();

  /** A logger named {@code opizontas.plugin.<plugin id>}, so operators can tune each plugin's level. */
  Logger logger();

  /**
   * Counters and gauges kept by the runtime under the plugin id, so two plugins cannot collide. The
   * gateway does not export them yet: its metrics endpoint comes with the admin API.
   */
  PluginMetrics metrics();

  /**
   * This plugin's own scheduler, for timers, periodic work and blocking calls (lease expiry,
   * polling, a registry's remote deletes, the work behind an async filter's stage). One thread runs
   * its tasks one at a time, in order; a task that blocks delays only this plugin's later tasks,
   * never calls, other plugins or the gateway's timeouts. A periodic task that throws is not run
   * again, as with any {@link ScheduledExecutorService}: catch what you expect. Shutting it down is
   * ignored: the runtime does it after the plugin's extensions are closed.
   */
  ScheduledExecutorService scheduler();

  /**
   * Unary gRPC calls to endpoints over the gateway's own backend connections, for plugins that must
   * talk to an endpoint as the gateway does (a gRPC health prober). Available once the gateway's
   * backend connections exist, which is before any {@link HealthProber} starts.
   *
   * <p>A default method, so that contexts written before it (a plugin's own test stand-in) still
   * compile.
   *
   * @throws UnsupportedOperationException when the runtime lends none (the default, for contexts
   *     made outside a gateway, such as in a plugin's unit tests)
   */
  default EndpointCalls endpointCalls() {
    throw new UnsupportedOperationException("this context lends no endpoint calls");
  }
}

package io.opizontas.gateway.api;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;

/**
 * What the runtime lends a plugin: a clock, its own logger and metrics, a scheduler and a blocking
 * executor of its own, the gateway's home directory, and unary calls to endpoints over the gateway's
 * backend connections. This and
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
 *       own tasks, its timers included.
 *   <li>Tasks given to {@link #blockingExecutor()} run on a few threads of this plugin's own, made
 *       for blocking work (reading files, calling a remote service with a blocking client): they
 *       delay neither the plugin's timers nor anything of the gateway's.
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

  /**
   * This plugin's own logger, named {@code opizontas.plugin.<plugin id>}, so operators can tune each
   * plugin's level in the gateway's logging configuration. It writes where the gateway's own log
   * goes.
   */
  Logger logger();

  /**
   * This plugin's own counters and gauges, kept by the runtime under the plugin id so two plugins
   * cannot collide. The gateway does not export them yet: its metrics endpoint comes with the admin
   * API.
   */
  PluginMetrics metrics();

  /**
   * The directory the gateway resolves its own relative paths against (such as {@code [plugins]
   * directory}): the gateway's home, which holds {@code bin/} and {@code conf/}, when started by
   * {@code bin/opizontas}; else the working directory. Absolute. Resolve relative paths of the
   * plugin's settings against it, so that they mean what the gateway's own do: {@code
   * context.home().resolve(config.requiredString("file"))}.
   *
   * <p>A default method, so that contexts written before it still compile; it answers the working
   * directory, which is what a relative {@link Path} means without it.
   */
  default Path home() {
    return Path.of("").toAbsolutePath();
  }

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
   * This plugin's own executor for blocking work: reading or watching files, a blocking HTTP or
   * database client, a remote registry's slow calls. Tasks may block as long as they need (give
   * remote calls timeouts of their own); they run on a few threads shared by every extension of this
   * plugin, in parallel up to their number, and the rest wait in order. Nothing else runs there: a
   * task that blocks delays neither the plugin's {@link #scheduler()} timers, nor calls, nor other
   * plugins. Typical use: {@code CompletableFuture.supplyAsync(this::readFile,
   * context.blockingExecutor())}, or a periodic timer on the scheduler that hands the slow part here.
   *
   * <p>The runtime stops these threads, interrupting tasks still running, after the plugin's
   * extensions are closed; tasks submitted after that are rejected.
   *
   * <p>A default method, so that contexts written before it still compile; it answers {@link
   * #scheduler()}, on which blocking is allowed too.
   */
  default Executor blockingExecutor() {
    return scheduler();
  }

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

package io.opizontas.gateway.api.testing;

import io.opizontas.gateway.api.EndpointCalls;
import io.opizontas.gateway.api.PluginContext;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PluginContext} for a plugin's tests, made like the runtime's: the system clock, a logger
 * named {@code opizontas.plugin.<id>}, metrics the test reads back ({@link #metrics()}), a scheduler
 * of one thread, a blocking executor of a few threads, the working directory as home, and no
 * endpoint calls. Change what a test needs before starting the plugin:
 *
 * <pre>{@code
 * try (TestPluginContext context = new TestPluginContext("my-registry").withHome(dir)) {
 *   backend.start(config, context, sink);
 *   ...
 *   assertEquals(1, context.metrics().count("reloads"));
 * }
 * }</pre>
 *
 * <p>{@link #close()} stops the scheduler and the blocking executor, as the runtime does once the
 * plugin's extensions are closed: close the plugin first. Unlike the runtime's, the scheduler and
 * the executor here are the plugin's to shut down.
 */
public final class TestPluginContext implements PluginContext, AutoCloseable {

  private final String pluginId;
  private final Logger logger;
  private final RecordingPluginMetrics metrics = new RecordingPluginMetrics();
  private final ScheduledExecutorService scheduler;
  private final ExecutorService blocking;
  private volatile Clock clock = Clock.systemUTC();
  private volatile Path home = Path.of("").toAbsolutePath();
  private volatile EndpointCalls endpointCalls;

  /** A context for plugin {@code pluginId}. */
  public TestPluginContext(String pluginId) {
    this.pluginId = Objects.requireNonNull(pluginId, "pluginId");
    this.logger = LoggerFactory.getLogger("opizontas.plugin." + pluginId);
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("test-plugin-" + pluginId, null));
    this.blocking = Executors.newFixedThreadPool(4, daemon("test-plugin-" + pluginId + "-blocking-", new AtomicInteger()));
  }

  /** Lends {@code clock} instead of the system clock (a fixed or offset one, say); returns this. */
  public TestPluginContext withClock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** Lends {@code home} (made absolute) instead of the working directory; returns this. */
  public TestPluginContext withHome(Path home) {
    this.home = home.toAbsolutePath();
    return this;
  }

  /**
   * Lends {@code calls} as {@link #endpointCalls()}, for a prober under test: a stand-in that
   * answers as the test needs, or the test's own client. Returns this.
   */
  public TestPluginContext withEndpointCalls(EndpointCalls calls) {
    this.endpointCalls = Objects.requireNonNull(calls, "calls");
    return this;
  }

  @Override
  public String pluginId() {
    return pluginId;
  }

  @Override
  public Clock clock() {
    return clock;
  }

  @Override
  public Logger logger() {
    return logger;
  }

  /** The plugin's metrics, which the test reads with {@link RecordingPluginMetrics#count} and {@code gauge}. */
  @Override
  public RecordingPluginMetrics metrics() {
    return metrics;
  }

  @Override
  public ScheduledExecutorService scheduler() {
    return scheduler;
  }

  @Override
  public ExecutorService blockingExecutor() {
    return blocking;
  }

  @Override
  public Path home() {
    return home;
  }

  /**
   * The calls given with {@link #withEndpointCalls}.
   *
   * @throws UnsupportedOperationException when none were, as a context outside a gateway does
   */
  @Override
  public EndpointCalls endpointCalls() {
    EndpointCalls calls = endpointCalls;
    if (calls == null) {
      throw new UnsupportedOperationException("this test context lends no endpoint calls; give some with withEndpointCalls");
    }
    return calls;
  }

  /** Stops the scheduler and the blocking executor, interrupting their tasks. */
  @Override
  public void close() {
    scheduler.shutdownNow();
    blocking.shutdownNow();
  }

  private static ThreadFactory daemon(String prefix, AtomicInteger numbers) {
    return task -> {
      Thread thread = new Thread(task, numbers == null ? prefix : prefix + numbers.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}

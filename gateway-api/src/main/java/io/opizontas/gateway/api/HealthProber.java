package io.opizontas.gateway.api;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.pf4j.ExtensionPoint;

/**
 * Actively checks whether an endpoint serves a service: {@code grpc.health.v1.Health/Check}, a TCP
 * connect. The runtime owns the schedule, the thresholds and the table; a prober answers one probe
 * at a time.
 *
 * <p><b>Life cycle.</b> One instance per configured prober; {@link #start} once before the gateway
 * accepts calls, {@link #close} once at shutdown. If {@code start} throws, the gateway refuses to
 * start and names the plugin and the cause.
 * A configuration reload makes fresh instances the same way, beside the running ones (see the
 * package documentation).
 *
 * <p><b>Threading.</b> {@link #probe} is called on the plugin's own thread (the one behind {@link
 * PluginContext#scheduler()}), about once per interval for the same endpoint and service (up to a
 * tenth early: jitter), never while the previous probe of that pair is still waiting for its result,
 * and while probes of other endpoints are in flight. It must return at once, doing its I/O
 * asynchronously (with {@link PluginContext#endpointCalls()}, say): a probe that blocks delays the
 * plugin's other probes, which then time out. The stage may complete on any thread.
 *
 * <p><b>Failures.</b> A probe that throws, returns a stage that fails, or a stage that has not
 * completed by {@code timeout} counts as {@link HealthState#UNHEALTHY}; the runtime does not wait for
 * it any longer and ignores its late result.
 */
public interface HealthProber extends ExtensionPoint {

  /**
   * The name the configuration uses for this prober ({@code prober = "grpc-health"}): lower case,
   * unique among the loaded plugins. A plugin may contribute several probers, each with its own id;
   * the gateway refuses to start when two plugins claim one id. Called before {@link #start}, so it
   * must not depend on the configuration. The default, the empty string, names the prober after its
   * plugin's id (for a plugin with one prober).
   */
  default String id() {
    return "";
  }

  /**
   * Reads and validates the prober's options.
   *
   * @throws Exception when the options are unusable; the gateway then refuses to start
   */
  void start(PluginConfig config, PluginContext context) throws Exception;

  /**
   * Probes {@code endpoint} for {@code service}.
   *
   * @param timeout how long the runtime waits; a prober that talks gRPC should pass it on as the
   *                call's deadline
   */
  CompletionStage<HealthState> probe(Endpoint endpoint, String service, Duration timeout);

  /**
   * Cancels probes in flight and releases connections. Called once, and only if {@link #start}
   * returned normally; must not throw.
   */
  default void close() {}
}

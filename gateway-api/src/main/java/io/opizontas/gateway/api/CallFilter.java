package io.opizontas.gateway.api;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.pf4j.ExtensionPoint;

/**
 * One link of the call-filter chain: authentication, header rewriting, access logs, rate limits.
 * Filters see the request metadata before a call is routed, and may see the response headers and
 * trailers on the way back. They never see message bodies, so the data path stays zero-copy.
 *
 * <p><b>Life cycle.</b> The runtime makes one instance per {@code [[chain]]} entry that names the
 * plugin, calls {@link #start} once before the gateway accepts calls, and {@link #close} once at
 * shutdown, after calls have drained. If {@code start} throws, the gateway refuses to start and
 * names the plugin, the entry and the cause ({@link PluginConfigException} names the key).
 * A configuration reload makes fresh instances the same way, beside the running ones (see the
 * package documentation).
 *
 * <p><b>Threading.</b> One instance serves every call, so every method may be called concurrently
 * for different calls and must be thread-safe. For one call the runtime calls a filter's methods one
 * at a time. Methods run on the gateway's filters pool (see {@link PluginContext}), never on a thread
 * that reads or writes the network; the pool has a few threads shared by every call, so methods must
 * not block (no locks held for long, no network or disk I/O). Work that waits goes into the returned
 * {@link CompletionStage} (for example on {@link PluginContext#scheduler()}); the runtime never
 * blocks a thread waiting for it, and carries on with the next filter on the filters pool.
 *
 * <p><b>Order.</b> Filters run in {@code [[chain]]} order on the request; the response hooks and
 * {@link #onCallEnded} run in the reverse order, so the first filter sees the request first and the
 * response and the end last.
 *
 * <p><b>Failures stay with the call.</b> When {@link #onRequest} throws, returns null, returns a
 * stage that fails, or a stage that does not complete within the entry's {@code timeout} (default
 * 2s), the runtime fails that call with the entry's {@code failure_status} (default INTERNAL) and
 * does not run later filters. When a response hook throws or does not return within the entry's
 * {@code timeout}, its edits are dropped, the other hooks still run, and the call's final status
 * (its trailers) becomes that failure status. Either way the gateway logs the plugin id (at most once per ten seconds per entry,
 * counting the failures it did not log) and goes on serving every other call.
 */
public interface CallFilter extends ExtensionPoint {

  /**
   * Prepares the filter: reads and validates its configuration. Called once, before any call.
   *
   * @param config  this {@code [[chain]]} entry, without the keys the runtime reserves ({@code
   *                plugin}, {@code timeout}, {@code failure_status})
   * @param context clock, logger, metrics and scheduler lent by the runtime; keep it
   * @throws Exception when the filter cannot work with this configuration; the gateway then refuses
   *     to start
   */
  void start(PluginConfig config, PluginContext context) throws Exception;

  /**
   * Looks at a call before it is routed. May edit {@link Call#requestHeaders()} and {@link
   * Call#attributes()} until the returned stage completes; later filters and the backend see the
   * edits.
   *
   * <p>Return {@link #proceed()} or {@link #reject} for an immediate verdict (the runtime then
   * continues on the same thread, allocating nothing for the wait), or any stage that completes
   * later. The entry's {@code timeout} counts from when this method returns: a method that blocks
   * before returning is not cut off, and holds a thread of the filters pool meanwhile.
   *
   * @return the verdict; never null
   */
  CompletionStage<FilterResult> onRequest(Call call);

  /**
   * Edits the response headers before they go to the client. Called only for calls the whole chain
   * let through and the backend answered with headers; the headers wait for it, up to the entry's
   * {@code timeout}, so be quick. The runtime skips this hook for filters that do not override it.
   */
  default void onResponseHeaders(Call call, Metadata headers) {}

  /**
   * Edits the trailers ({@code grpc-status}, {@code grpc-message} and custom keys) before they go to
   * the client; for a trailers-only response these are the only metadata. Called only for calls the
   * whole chain let through; the trailers wait for it, up to the entry's {@code timeout}, so be
   * quick. The runtime skips this hook for filters that do not override it.
   */
  default void onTrailers(Call call, Metadata trailers) {}

  /**
   * Learns how a call ended: its final status, the endpoint it went to, its duration and the bytes
   * it moved each way (see {@link CallOutcome}). For access logs, metrics and accounting; it cannot
   * change the call, which is over.
   *
   * <p><b>When.</b> Exactly once per call that reached the chain, once the call is over for the
   * client (its trailers were written, or one side reset the call). Also for calls a filter
   * rejected, for every filter of the chain, including those whose {@link #onRequest} never ran
   * because an earlier one rejected the call; for calls a filter failed; and for calls that never
   * reached a backend (the client cancelled or the deadline passed while the filters ran, no route,
   * no reachable endpoint). Calls the gateway refuses before the chain (a malformed request, a
   * routing loop) never reach it. {@code call} is read-only here: its request metadata as the
   * filters left them, and its attributes (none for a rejected call).
   *
   * <p><b>Order.</b> The filters' end hooks run one after the other, last configured first, after
   * the call's response hooks returned or timed out.
   *
   * <p><b>Threading.</b> Runs on the filters pool, never on a thread that does network I/O, and is
   * called concurrently for different calls. Nothing waits for it, so no {@code timeout} applies,
   * but it shares the pool with every call's filters: it must not block. Format and hand off (a
   * logging framework's asynchronous appender, a counter); do slow work on {@link
   * PluginContext#scheduler()}. When the pool is overloaded or the gateway is stopping, the runtime
   * drops the end hooks of the calls it cannot schedule and logs how many.
   *
   * <p><b>Failures.</b> A hook that throws fails nothing: the call is over, the other filters' end
   * hooks still run, and the gateway logs the plugin id as for other filter failures (at most once
   * per ten seconds per entry).
   *
   * <p>The runtime skips this hook for filters that do not override it, so a chain without end hooks
   * costs calls nothing. A plugin that overrides it needs gateway-api 0.1.1 or later ({@code
   * plugin.requires=>=0.1.1}): older gateways never call it.
   *
   * @param call    the call, read-only
   * @param outcome how it ended
   * @since 0.1.1
   */
  default void onCallEnded(Call call, CallOutcome outcome) {}

  /**
   * Releases what {@link #start} acquired. Called once, after the last call, and only if {@code
   * start} returned normally (a {@code start} that throws cleans up after itself); must not throw.
   */
  default void close() {}

  /** An immediate "go on": a shared, already completed stage. */
  static CompletionStage<FilterResult> proceed() {
    return FilterResult.PROCEED_STAGE;
  }

  /** An immediate rejection with {@code code} and {@code message}. */
  static CompletionStage<FilterResult> reject(GrpcStatusCode code, String message) {
    return CompletableFuture.completedFuture(FilterResult.reject(code, message));
  }
}

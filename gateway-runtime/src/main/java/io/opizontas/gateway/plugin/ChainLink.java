package io.opizontas.gateway.plugin;

import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.CallFilter;
import io.opizontas.gateway.api.CallOutcome;
import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.Metadata;
import java.time.Duration;

/**
 * One started {@code [[chain]]} entry: the filter instance and how the runtime treats it when it
 * misbehaves.
 */
final class ChainLink {

  private final String pluginId;
  private final CallFilter filter;
  private final long timeoutNanos;
  private final String timeoutText;
  private final GrpcStatusCode failureStatus;
  private final FailureLog failures;
  private final boolean seesResponseHeaders;
  private final boolean seesTrailers;
  private final boolean seesEnd;

  ChainLink(String pluginId, CallFilter filter, Duration timeout, GrpcStatusCode failureStatus, FailureLog failures) {
    this.pluginId = pluginId;
    this.filter = filter;
    this.timeoutNanos = timeout.toNanos();
    this.timeoutText = timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + "s" : timeout.toMillis() + "ms";
    this.failureStatus = failureStatus;
    this.failures = failures;
    this.seesResponseHeaders = overrides(filter, "onResponseHeaders", Metadata.class);
    this.seesTrailers = overrides(filter, "onTrailers", Metadata.class);
    this.seesEnd = overrides(filter, "onCallEnded", CallOutcome.class);
  }

  /** Whether the filter's class replaces CallFilter's empty default; if not, the runtime skips the hook. */
  private static boolean overrides(CallFilter filter, String hook, Class<?> argument) {
    try {
      return filter.getClass().getMethod(hook, Call.class, argument).getDeclaringClass() != CallFilter.class;
    } catch (NoSuchMethodException e) {
      throw new AssertionError("CallFilter." + hook + " is gone", e);
    }
  }

  CallFilter filter() {
    return filter;
  }

  String pluginId() {
    return pluginId;
  }

  long timeoutNanos() {
    return timeoutNanos;
  }

  boolean seesResponseHeaders() {
    return seesResponseHeaders;
  }

  boolean seesTrailers() {
    return seesTrailers;
  }

  boolean seesEnd() {
    return seesEnd;
  }

  GrpcStatusCode failureStatus() {
    return failureStatus;
  }

  /** Logs (in bursts) that the filter failed, and returns the status the call is failed with. */
  GrpcStatus failed(Throwable cause) {
    failures.record("threw " + cause.getClass().getName(), cause);
    return GrpcStatus.of(failureStatus, "call filter '" + pluginId + "' failed");
  }

  /** Logs (in bursts) that the filter gave a verdict the contract does not allow. */
  GrpcStatus broke(String what) {
    failures.record(what, null);
    return GrpcStatus.of(failureStatus, "call filter '" + pluginId + "' failed");
  }

  /** Logs (in bursts) that the filter's end hook threw: the call, already over, is not affected. */
  void failedAtEnd(Throwable cause) {
    failures.record("threw " + cause.getClass().getName() + " in onCallEnded", cause, "the call was not affected");
  }

  /** Logs (in bursts) that the filter's stage did not complete in time. */
  GrpcStatus timedOut() {
    failures.record("did not answer within " + timeoutText, null);
    return GrpcStatus.of(failureStatus, "call filter '" + pluginId + "' timed out after " + timeoutText);
  }
}

package io.opizontas.gateway.api;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A {@link CallFilter}'s verdict on a call: let it proceed to the next filter (and then to a
 * backend), or reject it with a gRPC status. Immutable.
 */
public final class FilterResult {

  private static final FilterResult PROCEED = new FilterResult(null);

  /** Shared by every filter that proceeds at once; the runtime recognises it without waiting. */
  static final CompletionStage<FilterResult> PROCEED_STAGE = CompletableFuture.completedStage(PROCEED);

  private final GrpcStatus rejection;

  private FilterResult(GrpcStatus rejection) {
    this.rejection = rejection;
  }

  /** Let the call go on. */
  public static FilterResult proceed() {
    return PROCEED;
  }

  /**
   * Answer the call with {@code status} instead of forwarding it.
   *
   * @throws IllegalArgumentException when the status is OK: a rejection must say what is wrong
   */
  public static FilterResult reject(GrpcStatus status) {
    Objects.requireNonNull(status, "status");
    if (status.code() == GrpcStatusCode.OK) {
      throw new IllegalArgumentException("a call cannot be rejected with status OK");
    }
    return new FilterResult(status);
  }

  /** Answer the call with {@code code} and {@code message} instead of forwarding it. */
  public static FilterResult reject(GrpcStatusCode code, String message) {
    return reject(GrpcStatus.of(code, message));
  }

  /** Whether the call goes on. */
  public boolean proceeds() {
    return rejection == null;
  }

  /** The status the call is answered with, when it is rejected. */
  public Optional<GrpcStatus> rejection() {
    return Optional.ofNullable(rejection);
  }

  @Override
  public String toString() {
    return rejection == null ? "proceed" : "reject " + rejection.code() + ": " + rejection.message();
  }
}

package io.opizontas.gateway.proxy;

import io.opizontas.gateway.api.CallOutcome;
import io.opizontas.gateway.api.GrpcStatus;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.jetty.http.HttpFields;

/**
 * The chain's verdict on one call, and its hooks for the response side.
 *
 * <p>The hooks run the filters off the caller's thread and answer with a stage; the caller forwards
 * the fields once the stage completes, on whichever thread completes it. A stage never completes
 * exceptionally: a filter that fails or times out has its edits dropped, and {@link #onTrailers}
 * rewrites the status instead.
 */
public interface FilteredCall {

  /** Proceed, and leave the response alone. */
  FilteredCall PROCEED = new FilteredCall() {};

  /** The status to answer with instead of forwarding, or null to forward the call. */
  default GrpcStatus rejection() {
    return null;
  }

  /**
   * Attributes the filters attached to the call for routing (for example the credential accepted):
   * an unmodifiable copy taken when the request side ended; empty when none did.
   */
  default Map<String, String> attributes() {
    return Map.of();
  }

  /**
   * Whether {@link #onResponseHeaders} and {@link #onTrailers} want to see the response. When false
   * the caller may skip them, and the fields copy they need.
   */
  default boolean observesResponse() {
    return false;
  }

  /**
   * Edits the response headers before they go to the client: {@code headers} holds the edits when
   * the stage completes, and must not be touched before. Completes at once by default.
   */
  default CompletionStage<Void> onResponseHeaders(HttpFields.Mutable headers) {
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Edits the trailers (or a trailers-only response) before they go to the client: {@code trailers}
   * holds the edits when the stage completes, and must not be touched before. Completes at once by
   * default.
   */
  default CompletionStage<Void> onTrailers(HttpFields.Mutable trailers) {
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Whether {@link #onCallEnded} wants the call's outcome. When false the caller neither builds nor
   * hands it over.
   */
  default boolean observesEnd() {
    return false;
  }

  /**
   * The call is over: hands its outcome to the filters' end hooks, off the caller's thread. Called
   * once per call, only when {@link #observesEnd}; returns at once.
   */
  default void onCallEnded(CallOutcome outcome) {}
}

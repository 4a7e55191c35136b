package io.opizontas.gateway.proxy;

import io.opizontas.gateway.api.GrpcStatus;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;

/** The chain's verdict on one call, and its hooks for the response side. */
public interface FilteredCall {

  /** Proceed, and leave the response alone. */
  FilteredCall PROCEED = new FilteredCall() {};

  /** The status to answer with instead of forwarding, or null to forward the call. */
  default GrpcStatus rejection() {
    return null;
  }

  /**
   * Attributes the filters attached to the call for routing (for example the credential accepted),
   * read-only; empty when none did.
   */
  default Map<String, String> attributes() {
    return Map.of();
  }

  /** Whether {@link #onResponseHeaders} and {@link #onTrailers} want to see the response. */
  default boolean observesResponse() {
    return false;
  }

  /** Edits the response headers before they go to the client. Runs on a Jetty thread: be quick. */
  default void onResponseHeaders(HttpFields.Mutable headers) {}

  /** Edits the trailers (or a trailers-only response) before they go to the client. */
  default void onTrailers(HttpFields.Mutable trailers) {}
}

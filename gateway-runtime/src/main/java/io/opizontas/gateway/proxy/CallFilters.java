package io.opizontas.gateway.proxy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.jetty.http.HttpFields;

/**
 * The call-filter chain as the data path sees it: request metadata in, a verdict out; response
 * headers and trailers passed through the verdict's hooks. Body frames never reach it.
 */
public interface CallFilters {

  /** No filters: every call proceeds untouched. */
  CallFilters NONE =
      (service, method, headers) -> CompletableFuture.completedFuture(FilteredCall.PROCEED);

  /**
   * Runs the request side of the chain. Must not block; the stage may complete on any thread. The
   * filters may edit {@code headers} before the stage completes; the data path forwards them after.
   * A stage that completes exceptionally fails the call with INTERNAL.
   */
  CompletionStage<FilteredCall> onRequest(String service, String method, HttpFields.Mutable headers);
}

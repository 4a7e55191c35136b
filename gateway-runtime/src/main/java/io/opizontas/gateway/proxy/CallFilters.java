package io.opizontas.gateway.proxy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.jetty.http.HttpFields;

/**
 * The call-filter chain as the data path sees it: request metadata in, a verdict out; response
 * headers and trailers passed through the verdict's hooks. Body frames never reach it.
 */
public interface CallFilters {

  /** No filters: every call proceeds untouched, on the caller's thread, at no cost. */
  CallFilters NONE =
      (service, method, headers) -> CompletableFuture.completedFuture(FilteredCall.PROCEED);

  /**
   * Runs the request side of the chain. Returns at once without running filter code on the calling
   * thread (a Jetty I/O thread may call it); the stage completes on another thread. The filters may
   * edit {@code headers} until the stage completes; the data path forwards them after. A stage that
   * completes exceptionally fails the call with INTERNAL.
   */
  CompletionStage<FilteredCall> onRequest(String service, String method, HttpFields.Mutable headers);

  /**
   * Lets no more filter code run for this chain: a reload replaced it and the calls that started
   * with it are over. From the first call on, a hook that has not started yet is skipped (a request
   * side not finished then is answered UNAVAILABLE, response hooks leave the call's fields as they
   * are, end hooks are dropped). Returns whether no filter code of this chain is running any more,
   * so that its filters may be closed; the caller asks again until then.
   */
  default boolean retire() {
    return true;
  }
}

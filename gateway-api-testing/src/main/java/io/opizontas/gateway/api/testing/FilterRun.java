package io.opizontas.gateway.api.testing;

import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.CallFilter;
import io.opizontas.gateway.api.FilterResult;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a {@link CallFilter}'s {@link CallFilter#onRequest onRequest} on a call and waits, with a
 * bound, for its verdict, as the gateway's chain does:
 *
 * <pre>{@code
 * FilterResult verdict = FilterRun.verdict(filter, new TestCall("pkg.Svc", "Get").header("authorization", "Bearer x"));
 * assertTrue(verdict.proceeds());
 * }</pre>
 *
 * <p>What the gateway would turn into a call failing with the entry's {@code failure_status} (the
 * method throws, returns null, or its stage fails or outlasts the bound) ends the run with an
 * exception saying which, so a test sees the cause instead of a status.
 */
public final class FilterRun {

  /** The bound {@link #verdict(CallFilter, Call)} waits: the gateway's default filter {@code timeout}. */
  public static final Duration DEFAULT_BOUND = Duration.ofSeconds(2);

  private FilterRun() {}

  /** The verdict of {@code filter} on {@code call}, waited for up to {@link #DEFAULT_BOUND}. */
  public static FilterResult verdict(CallFilter filter, Call call) {
    return verdict(filter, call, DEFAULT_BOUND);
  }

  /**
   * The verdict of {@code filter} on {@code call}, waited for up to {@code bound} (the entry's
   * {@code timeout} in the gateway). Edits the filter makes to the call stay in it.
   *
   * @throws RuntimeException whatever {@code onRequest} threw, as it threw it
   * @throws AssertionError when {@code onRequest} returned null or a stage completed with null, when
   *     the stage failed (the failure is the cause), or did not complete within {@code bound}
   */
  public static FilterResult verdict(CallFilter filter, Call call, Duration bound) {
    CompletionStage<FilterResult> stage = filter.onRequest(call);
    if (stage == null) {
      throw new AssertionError("onRequest returned null; the gateway fails such a call with the entry's failure_status");
    }
    // Through a future of our own: a stage need not support toCompletableFuture.
    CompletableFuture<FilterResult> done = new CompletableFuture<>();
    stage.whenComplete((result, failure) -> {
      if (failure != null) {
        done.completeExceptionally(failure);
      } else {
        done.complete(result);
      }
    });
    FilterResult result;
    try {
      result = done.get(bound.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("the stage onRequest returned failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("the stage onRequest returned did not complete within " + bound
          + "; the gateway fails such a call with the entry's failure_status");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for the verdict", e);
    }
    if (result == null) {
      throw new AssertionError("the stage onRequest returned completed with null; the gateway fails such a call");
    }
    return result;
  }
}

package io.opizontas.gateway.plugin;

import io.opizontas.gateway.api.CallFilter;
import io.opizontas.gateway.api.FilterResult;
import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.proxy.CallFilters;
import io.opizontas.gateway.proxy.FilteredCall;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.eclipse.jetty.http.HttpFields;

/**
 * The configured call filters, run in order for each call: what the data path sees through {@link
 * CallFilters}.
 *
 * <p>Filters that answer at once run back to back on the calling thread, and a call every filter
 * lets through untouched costs the chain one small object and no future. A filter that answers later
 * is waited for without a thread: the chain continues on whichever thread completes its stage, or
 * fails the call when the entry's timeout fires on the shared scheduler first.
 */
final class FilterChain implements CallFilters {

  private static final CompletableFuture<FilteredCall> PROCEEDED = CompletableFuture.completedFuture(FilteredCall.PROCEED);

  private final ChainLink[] links;
  private final ChainLink[] responseLinks;
  private final ScheduledExecutorService timers;

  /** @param timers fires the timeouts of filters that answer later; tasks are tiny */
  FilterChain(List<ChainLink> links, ScheduledExecutorService timers) {
    this.links = links.toArray(new ChainLink[0]);
    List<ChainLink> response = new ArrayList<>();
    for (int i = this.links.length - 1; i >= 0; i--) {
      if (this.links[i].seesResponseHeaders() || this.links[i].seesTrailers()) {
        response.add(this.links[i]);
      }
    }
    this.responseLinks = response.toArray(new ChainLink[0]);
    this.timers = timers;
  }

  @Override
  public CompletionStage<FilteredCall> onRequest(String service, String method, HttpFields.Mutable headers) {
    return advance(new ChainCall(this, service, method, headers), 0);
  }

  boolean observesResponse() {
    return responseLinks.length > 0;
  }

  /** The filters with response hooks, last configured first. */
  ChainLink[] responseLinks() {
    return responseLinks;
  }

  /** Runs the filters from {@code from} on, as far as they answer at once. */
  private CompletionStage<FilteredCall> advance(ChainCall call, int from) {
    for (int i = from; i < links.length; i++) {
      ChainLink link = links[i];
      CompletionStage<FilterResult> stage;
      try {
        stage = link.filter().onRequest(call);
      } catch (Exception | LinkageError | AssertionError e) {
        return verdict(call.reject(link.failed(e)));
      }
      if (stage == CallFilter.proceed()) {
        continue;
      }
      if (stage == null) {
        return verdict(call.reject(link.broke("returned null instead of a stage")));
      }
      CompletableFuture<FilterResult> done = doneOrNull(stage);
      if (done == null) {
        return new Pending(call, i).await(stage);
      }
      GrpcStatus stop = judge(link, done);
      if (stop != null) {
        return verdict(call.reject(stop));
      }
    }
    return call.hasAttributes() || observesResponse() ? CompletableFuture.completedFuture(call) : PROCEEDED;
  }

  private static CompletionStage<FilteredCall> verdict(ChainCall rejected) {
    return CompletableFuture.completedFuture(rejected);
  }

  /** The stage as a completed future, or null when it has not completed (or cannot tell). */
  private static CompletableFuture<FilterResult> doneOrNull(CompletionStage<FilterResult> stage) {
    try {
      CompletableFuture<FilterResult> future = stage.toCompletableFuture();
      return future.isDone() ? future : null;
    } catch (UnsupportedOperationException e) {
      return null;
    }
  }

  /** The status to stop the call with, or null when the completed stage lets it proceed. */
  private static GrpcStatus judge(ChainLink link, CompletableFuture<FilterResult> done) {
    FilterResult result;
    try {
      result = done.join();
    } catch (CompletionException | CancellationException e) {
      return link.failed(e.getCause() == null ? e : e.getCause());
    }
    if (result == null) {
      return link.broke("completed its stage with null instead of a result");
    }
    return result.rejection().orElse(null);
  }

  /** One filter's stage that has not completed yet, raced against the entry's timeout. */
  private final class Pending extends AtomicBoolean implements Runnable, BiConsumer<FilterResult, Throwable> {

    private static final long serialVersionUID = 1L;

    private final ChainCall call;
    private final int index;
    private final CompletableFuture<FilteredCall> verdict = new CompletableFuture<>();
    private volatile ScheduledFuture<?> timer;

    Pending(ChainCall call, int index) {
      this.call = call;
      this.index = index;
    }

    CompletionStage<FilteredCall> await(CompletionStage<FilterResult> stage) {
      try {
        timer = timers.schedule(this, links[index].timeoutNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        return verdict(call.reject(GrpcStatus.of(GrpcStatusCode.UNAVAILABLE, "the gateway is shutting down")));
      }
      try {
        stage.whenComplete(this);
      } catch (RuntimeException e) {
        accept(null, e);
      }
      return verdict;
    }

    /** The timeout fired first. */
    @Override
    public void run() {
      if (compareAndSet(false, true)) {
        verdict.complete(call.reject(links[index].timedOut()));
      }
    }

    /** The stage completed first. */
    @Override
    public void accept(FilterResult result, Throwable error) {
      if (!compareAndSet(false, true)) {
        return;
      }
      ScheduledFuture<?> t = timer;
      if (t != null) {
        t.cancel(false);
      }
      ChainLink link = links[index];
      GrpcStatus stop =
          error != null
              ? link.failed(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error)
              : result == null ? link.broke("completed its stage with null instead of a result") : result.rejection().orElse(null);
      if (stop != null) {
        verdict.complete(call.reject(stop));
        return;
      }
      advance(call, index + 1).whenComplete((next, e) -> verdict.complete(next));
    }
  }
}

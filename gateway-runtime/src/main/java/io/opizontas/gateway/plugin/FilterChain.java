package io.opizontas.gateway.plugin;

import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.CallFilter;
import io.opizontas.gateway.api.CallOutcome;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.eclipse.jetty.http.HttpFields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured call filters, run in order for each call: what the data path sees through {@link
 * CallFilters}.
 *
 * <p>Which thread runs what: {@link #onRequest} only hands the call to the filters pool, so no
 * plugin code runs on the caller's (possibly a Jetty selector) thread. There, filters that answer at
 * once run back to back. A filter that answers later is waited for without a thread: when its stage
 * completes the chain goes on with a new task on the filters pool, unless the entry's timeout fired
 * first on the timer. The timer only ever completes a verdict or hands work back to the pool, and no
 * plugin code runs on it, so a plugin that blocks cannot keep timeouts from firing.
 *
 * <p>The end hooks ({@link CallFilter#onCallEnded}) of one call run back to back in one pool task;
 * nothing waits for them, so they have no timeout.
 *
 * <p>Every pool task that runs filter code counts itself in {@link #running} while it does ({@link
 * #runAdmitted}), so that a chain a reload replaced is closed only once none runs ({@link #retire}):
 * an end hook queued as the call's stream closed would otherwise run after its filter's {@code
 * close()}.
 */
final class FilterChain implements CallFilters {

  private static final Logger LOG = LoggerFactory.getLogger(FilterChain.class);

  private static final int RETIRED = 1 << 30;

  /** What a call still on the request side gets once its chain is retired. */
  static final GrpcStatus RETIRED_STATUS =
      GrpcStatus.of(GrpcStatusCode.UNAVAILABLE, "the gateway's call filters were replaced by a reload");

  private final ChainLink[] links;
  private final ChainLink[] responseLinks;
  private final ChainLink[] endLinks;
  private final FailureLog droppedEnds;
  private final ExecutorService pool;
  private final ScheduledExecutorService timer;
  /** Pool tasks running filter code now, plus {@link #RETIRED} once {@link #retire} was called. */
  private final AtomicInteger running = new AtomicInteger();

  /**
   * @param pool  runs every filter method: a few threads for quick CPU work, shared by all calls
   * @param timer fires the entries' timeouts; nothing that may block runs on it
   */
  FilterChain(List<ChainLink> links, ExecutorService pool, ScheduledExecutorService timer) {
    this.links = links.toArray(new ChainLink[0]);
    List<ChainLink> response = new ArrayList<>();
    for (int i = this.links.length - 1; i >= 0; i--) {
      if (this.links[i].seesResponseHeaders() || this.links[i].seesTrailers()) {
        response.add(this.links[i]);
      }
    }
    this.responseLinks = response.toArray(new ChainLink[0]);
    List<ChainLink> end = new ArrayList<>();
    for (int i = this.links.length - 1; i >= 0; i--) {
      if (this.links[i].seesEnd()) {
        end.add(this.links[i]);
      }
    }
    this.endLinks = end.toArray(new ChainLink[0]);
    this.droppedEnds = new FailureLog(LOG, "The end hooks of a call", System::nanoTime, FailureLog.WINDOW);
    this.pool = pool;
    this.timer = timer;
  }

  @Override
  public CompletionStage<FilteredCall> onRequest(String service, String method, HttpFields.Mutable headers) {
    ChainCall call = new ChainCall(this, service, method, headers);
    CompletableFuture<FilteredCall> verdict = new CompletableFuture<>();
    resume(call, 0, verdict);
    return verdict;
  }

  @Override
  public boolean retire() {
    return running.updateAndGet(now -> now | RETIRED) == RETIRED;
  }

  /**
   * Runs {@code filterCode} (on a pool thread), counted as running, unless the chain is retired;
   * returns whether it ran.
   */
  boolean runAdmitted(Runnable filterCode) {
    while (true) {
      int now = running.get();
      if ((now & RETIRED) != 0) {
        return false;
      }
      if (running.compareAndSet(now, now + 1)) {
        break;
      }
    }
    try {
      filterCode.run();
    } finally {
      running.decrementAndGet();
    }
    return true;
  }

  boolean observesResponse() {
    return responseLinks.length > 0;
  }

  boolean observesEnd() {
    return endLinks.length > 0;
  }

  /**
   * Runs the end hooks of a call that is over, last configured first, in one task on the pool. A
   * hook that throws is logged and the next one runs.
   */
  void callEnded(Call call, CallOutcome outcome) {
    try {
      pool.execute(() -> {
        boolean ran = runAdmitted(() -> {
          for (ChainLink link : endLinks) {
            try {
              link.filter().onCallEnded(call, outcome);
            } catch (Exception | LinkageError | AssertionError e) {
              link.failedAtEnd(e);
            }
          }
        });
        if (!ran) {
          LOG.debug("The end hooks of {} were dropped: the chain was replaced and closed", call.method());
        }
      });
    } catch (RejectedExecutionException e) {
      droppedEnds.record("were dropped: " + refused().message(), null, "the call was not affected");
    }
  }

  /** The filters with response hooks, last configured first. */
  ChainLink[] responseLinks() {
    return responseLinks;
  }

  ExecutorService pool() {
    return pool;
  }

  ScheduledExecutorService timer() {
    return timer;
  }

  /** Why the pool refused a task: the call is answered with this instead. */
  GrpcStatus refused() {
    return pool.isShutdown()
        ? GrpcStatus.of(GrpcStatusCode.UNAVAILABLE, "the gateway is shutting down")
        : GrpcStatus.of(GrpcStatusCode.UNAVAILABLE, "the gateway's call filters are overloaded");
  }

  /** Runs the filters from {@code from} on, on the pool. */
  private void resume(ChainCall call, int from, CompletableFuture<FilteredCall> verdict) {
    try {
      pool.execute(() -> advance(call, from, verdict));
    } catch (RejectedExecutionException e) {
      verdict.complete(call.reject(refused()));
    }
  }

  /** Runs the filters from {@code from} on, as far as they answer at once; on a pool thread. */
  private void advance(ChainCall call, int from, CompletableFuture<FilteredCall> verdict) {
    if (!runAdmitted(() -> runFrom(call, from, verdict))) {
      verdict.complete(call.reject(RETIRED_STATUS));
    }
  }

  private void runFrom(ChainCall call, int from, CompletableFuture<FilteredCall> verdict) {
    for (int i = from; i < links.length; i++) {
      ChainLink link = links[i];
      CompletionStage<FilterResult> stage;
      try {
        stage = link.filter().onRequest(call);
      } catch (Exception | LinkageError | AssertionError e) {
        verdict.complete(call.reject(link.failed(e)));
        return;
      }
      if (stage == CallFilter.proceed()) {
        continue;
      }
      if (stage == null) {
        verdict.complete(call.reject(link.broke("returned null instead of a stage")));
        return;
      }
      CompletableFuture<FilterResult> done = doneOrNull(stage);
      if (done == null) {
        new Pending(call, i, verdict).await(stage);
        return;
      }
      GrpcStatus stop = judge(link, done);
      if (stop != null) {
        verdict.complete(call.reject(stop));
        return;
      }
    }
    verdict.complete(call.proceed());
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
    private final CompletableFuture<FilteredCall> verdict;
    private volatile ScheduledFuture<?> timeout;

    Pending(ChainCall call, int index, CompletableFuture<FilteredCall> verdict) {
      this.call = call;
      this.index = index;
      this.verdict = verdict;
    }

    void await(CompletionStage<FilterResult> stage) {
      try {
        timeout = timer.schedule(this, links[index].timeoutNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        verdict.complete(call.reject(GrpcStatus.of(GrpcStatusCode.UNAVAILABLE, "the gateway is shutting down")));
        return;
      }
      try {
        stage.whenComplete(this);
      } catch (RuntimeException e) {
        accept(null, e);
      }
    }

    /** The timeout fired first; on the timer. */
    @Override
    public void run() {
      if (compareAndSet(false, true)) {
        verdict.complete(call.reject(links[index].timedOut()));
      }
    }

    /** The stage completed first, on whichever thread completed it: the chain goes on on the pool. */
    @Override
    public void accept(FilterResult result, Throwable error) {
      if (!compareAndSet(false, true)) {
        return;
      }
      ScheduledFuture<?> t = timeout;
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
      } else if (index + 1 < links.length) {
        resume(call, index + 1, verdict);
      } else {
        verdict.complete(call.proceed());
      }
    }
  }
}

package io.opizontas.gateway.plugin;

import io.opizontas.gateway.api.GrpcStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.http.HttpFields;

/**
 * One run of a call's response hooks over its response headers or its trailers: filter after
 * filter, last configured first, on the filters pool, each hook bounded by its entry's timeout.
 *
 * <p>Each hook edits its own copy of the fields, which becomes the current fields only when the hook
 * returns in time without throwing. A hook that failed or timed out (and may still be running on a
 * pool thread) therefore never touches what goes to the client; the call's trailers carry its
 * entry's failure status instead. The target fields are written once, when the pass completes.
 *
 * <p>Cost: the hooks run back to back in one pool task watched by one timer, which only looks at the
 * running hook's deadline when it fires and re-arms itself if that is later. Quick hooks thus cost
 * the pass one hop and one timer, however many filters the chain has. When a hook overruns, the timer
 * gives up on that task and starts a new one with the hooks after it.
 */
final class HookPass {

  private final FilterChain chain;
  private final ChainCall call;
  private final boolean trailers;
  private final HttpFields.Mutable target;
  private final CompletableFuture<Void> done = new CompletableFuture<>();

  HookPass(FilterChain chain, ChainCall call, boolean trailers, HttpFields.Mutable target) {
    this.chain = chain;
    this.call = call;
    this.trailers = trailers;
    this.target = target;
  }

  CompletionStage<Void> start() {
    new Run(0, target).start();
    return done;
  }

  /** The first hook at or after {@code from} that this pass runs, or -1. */
  private int nextHook(int from) {
    ChainLink[] links = chain.responseLinks();
    for (int i = from; i < links.length; i++) {
      if (trailers ? links[i].seesTrailers() : links[i].seesResponseHeaders()) {
        return i;
      }
    }
    return -1;
  }

  /** Ends the pass with {@code fields}, as the hooks that succeeded left them. Runs once. */
  private void finish(HttpFields.Mutable fields) {
    GrpcStatus failure = call.responseFailure();
    if (trailers && failure != null) {
      fields.put("grpc-status", Integer.toString(failure.code().value()));
      fields.put("grpc-message", failure.message());
    }
    if (fields != target) {
      target.clear();
      target.add(fields);
    }
    done.complete(null);
  }

  /**
   * Where a run is: hook {@code index} runs and must return by {@code deadlineNanos}, and {@code
   * fields} are the fields before it, what goes on if it fails. Index -1: the run has not started.
   */
  private record Step(int index, long deadlineNanos, HttpFields.Mutable fields) {}

  /** A run is over: it ran its last hook, or the timer gave up on it. */
  private static final Step OVER = new Step(-1, 0, null);

  /**
   * One pool task running hooks back to back, and its timer. Whoever moves the state away from a
   * running hook's step decides that hook's fate: the task when the hook returns, the timer when it
   * is past its deadline. The loser leaves the pass alone.
   */
  private final class Run extends AtomicReference<Step> {

    private static final long serialVersionUID = 1L;

    private final int from;
    private volatile ScheduledFuture<?> timer;

    Run(int from, HttpFields.Mutable fields) {
      super(new Step(-1, 0, fields));
      this.from = from;
    }

    void start() {
      Step queued = get();
      int first = nextHook(from);
      if (first < 0) {
        finish(queued.fields());
        return;
      }
      try {
        timer = chain.timer().schedule(this::check, chain.responseLinks()[first].timeoutNanos(), TimeUnit.NANOSECONDS);
        chain.pool().execute(this::runHooks);
      } catch (RejectedExecutionException e) {
        if (compareAndSet(queued, OVER)) {
          cancelTimer();
          call.failOnResponse(chain.refused());
          finish(queued.fields());
        }
      }
    }

    /** On the pool. */
    private void runHooks() {
      if (!chain.runAdmitted(this::runHooksAdmitted)) {
        // The chain was replaced and is closing: the fields go on as they are.
        Step queued = get();
        if (queued != OVER && compareAndSet(queued, OVER)) {
          cancelTimer();
          finish(queued.fields());
        }
      }
    }

    private void runHooksAdmitted() {
      ChainLink[] links = chain.responseLinks();
      Step queued = get();
      int i = nextHook(from);
      Step running = new Step(i, System.nanoTime() + links[i].timeoutNanos(), queued.fields());
      if (!compareAndSet(queued, running)) {
        return;
      }
      while (true) {
        ChainLink link = links[i];
        HttpFields.Mutable copy = HttpFields.build(running.fields());
        HttpFields.Mutable after = copy;
        try {
          if (trailers) {
            link.filter().onTrailers(call, new FieldsMetadata(copy));
          } else {
            link.filter().onResponseHeaders(call, new FieldsMetadata(copy));
          }
        } catch (Exception | LinkageError | AssertionError e) {
          call.failOnResponse(link.failed(e));
          after = running.fields();
        }
        int j = nextHook(i + 1);
        Step next = j < 0 ? OVER : new Step(j, System.nanoTime() + links[j].timeoutNanos(), after);
        if (!compareAndSet(running, next)) {
          return;
        }
        if (j < 0) {
          cancelTimer();
          finish(after);
          return;
        }
        running = next;
        i = j;
      }
    }

    /** On the timer: gives up on the running hook if it is past its deadline, else looks again later. */
    private void check() {
      while (true) {
        Step state = get();
        if (state == OVER) {
          return;
        }
        long left = state.index() < 0
            ? chain.responseLinks()[nextHook(from)].timeoutNanos()
            : state.deadlineNanos() - System.nanoTime();
        if (left > 0) {
          rearm(left);
          return;
        }
        if (compareAndSet(state, OVER)) {
          call.failOnResponse(chain.responseLinks()[state.index()].timedOut());
          new Run(state.index() + 1, state.fields()).start();
          return;
        }
      }
    }

    private void rearm(long nanos) {
      try {
        timer = chain.timer().schedule(this::check, nanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // The gateway is stopping: its calls end without waiting for this one's hooks.
      }
    }

    private void cancelTimer() {
      ScheduledFuture<?> t = timer;
      if (t != null) {
        t.cancel(false);
      }
    }
  }
}

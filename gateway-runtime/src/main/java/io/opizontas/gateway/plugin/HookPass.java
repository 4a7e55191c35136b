package io.opizontas.gateway.plugin;

import io.opizontas.gateway.api.GrpcStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpFields;

/**
 * One run of a call's response hooks over its response headers or its trailers: filter after
 * filter, last configured first, each on the filters pool and raced against its entry's timeout on
 * the timer.
 *
 * <p>Each hook edits its own copy of the fields, which becomes the current fields only when the hook
 * returns in time without throwing. A hook that failed or timed out (and may still be running on a
 * pool thread) therefore never touches what goes to the client; the call's trailers carry its
 * entry's failure status instead. The target fields are written once, when the pass completes.
 */
final class HookPass {

  private final FilterChain chain;
  private final ChainCall call;
  private final boolean trailers;
  private final HttpFields.Mutable target;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  /** The fields as the hooks that succeeded so far left them; handed from hook to hook. */
  private HttpFields.Mutable current;

  HookPass(FilterChain chain, ChainCall call, boolean trailers, HttpFields.Mutable target) {
    this.chain = chain;
    this.call = call;
    this.trailers = trailers;
    this.target = target;
    this.current = target;
  }

  CompletionStage<Void> start() {
    next(0);
    return done;
  }

  /** Starts the first hook at or after {@code from} that this pass runs, or finishes. */
  private void next(int from) {
    ChainLink[] links = chain.responseLinks();
    for (int i = from; i < links.length; i++) {
      if (trailers ? links[i].seesTrailers() : links[i].seesResponseHeaders()) {
        new Hook(links[i], i).start();
        return;
      }
    }
    finish();
  }

  private void finish() {
    GrpcStatus failure = call.responseFailure();
    if (trailers && failure != null) {
      current.put("grpc-status", Integer.toString(failure.code().value()));
      current.put("grpc-message", failure.message());
    }
    if (current != target) {
      target.clear();
      target.add(current);
    }
    done.complete(null);
  }

  /** One filter's hook, raced against its entry's timeout: the first to set this flag wins. */
  private final class Hook extends AtomicBoolean {

    private static final long serialVersionUID = 1L;

    private final ChainLink link;
    private final int index;
    private ScheduledFuture<?> timeout;

    Hook(ChainLink link, int index) {
      this.link = link;
      this.index = index;
    }

    void start() {
      HttpFields.Mutable copy = HttpFields.build(current);
      try {
        timeout = chain.timer().schedule(this::timedOut, link.timeoutNanos(), TimeUnit.NANOSECONDS);
        chain.pool().execute(() -> run(copy));
      } catch (RejectedExecutionException e) {
        if (compareAndSet(false, true)) {
          if (timeout != null) {
            timeout.cancel(false);
          }
          call.failOnResponse(chain.refused());
          finish();
        }
      }
    }

    /** On the pool. */
    private void run(HttpFields.Mutable copy) {
      GrpcStatus failure = null;
      try {
        if (trailers) {
          link.filter().onTrailers(call, new FieldsMetadata(copy));
        } else {
          link.filter().onResponseHeaders(call, new FieldsMetadata(copy));
        }
      } catch (Exception | LinkageError | AssertionError e) {
        failure = link.failed(e);
      }
      if (!compareAndSet(false, true)) {
        return;
      }
      timeout.cancel(false);
      if (failure == null) {
        current = copy;
      } else {
        call.failOnResponse(failure);
      }
      next(index + 1);
    }

    /** On the timer: the next hook is only handed to the pool from here. */
    private void timedOut() {
      if (compareAndSet(false, true)) {
        call.failOnResponse(link.timedOut());
        next(index + 1);
      }
    }
  }
}

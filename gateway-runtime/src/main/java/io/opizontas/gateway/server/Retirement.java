package io.opizontas.gateway.server;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Closes what a replaced configuration started once the client calls that were open when it was
 * replaced are over and no code of its call filters runs any more (end hooks run after a call's
 * stream closed), or at the drain timeout, whichever comes first. Calls that start after the swap
 * use the new configuration, so the calls open at the swap are the only ones that may still use the
 * old one.
 *
 * <p>Jetty has no per-stream close event a listener outside the call could wait on, so the streams
 * are looked at every {@value #PERIOD_MS} ms on the gateway's scheduler until then; the data path
 * pays nothing for it.
 */
final class Retirement implements AutoCloseable {

  private static final long PERIOD_MS = 50;

  private final List<Stream> calls;
  private final BooleanSupplier quiet;
  private final Scheduler scheduler;
  private final long deadlineNanos;
  private final Runnable close;
  private final AtomicBoolean done = new AtomicBoolean();
  private volatile Scheduler.Task next;

  private Retirement(List<Stream> calls, BooleanSupplier quiet, Scheduler scheduler, Duration timeout,
      Runnable close) {
    this.calls = calls;
    this.quiet = quiet;
    this.scheduler = scheduler;
    this.deadlineNanos = System.nanoTime() + timeout.toNanos();
    this.close = close;
  }

  /**
   * Runs {@code close} once every stream of {@code calls} is closed and then {@code quiet} says
   * true (asked only from then on, and again until it does), or after {@code timeout}.
   */
  static Retirement start(List<Stream> calls, BooleanSupplier quiet, Scheduler scheduler, Duration timeout,
      Runnable close) {
    Retirement retirement = new Retirement(List.copyOf(calls), quiet, scheduler, timeout, close);
    retirement.check();
    return retirement;
  }

  private void check() {
    if (done.get()) {
      return;
    }
    if (System.nanoTime() - deadlineNanos >= 0
        || (calls.stream().allMatch(Stream::isClosed) && quiet.getAsBoolean())) {
      finish();
    } else {
      next = scheduler.schedule(this::check, PERIOD_MS, TimeUnit.MILLISECONDS);
    }
  }

  /** Whether {@code close} has run. */
  boolean isDone() {
    return done.get();
  }

  private void finish() {
    if (done.compareAndSet(false, true)) {
      close.run();
    }
  }

  /** Closes now, without waiting for the calls any longer: the gateway is stopping. */
  @Override
  public void close() {
    Scheduler.Task task = next;
    if (task != null) {
      task.cancel();
    }
    finish();
  }
}

package io.opizontas.gateway.plugin;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Logs the failures of one plugin instance without flooding: the first failure of a burst is logged
 * (with its stack trace), later ones within the window are only counted, and the next report says
 * how many were left out. A filter failing on every call of a busy gateway thus costs one line per
 * window, not one per call.
 */
public final class FailureLog {

  public static final Duration WINDOW = Duration.ofSeconds(10);

  private final Logger log;
  private final String subject;
  private final LongSupplier nanoTime;
  private final long windowNanos;
  private final AtomicLong quietUntil;
  private final LongAdder suppressed = new LongAdder();
  private final Runnable counted;

  /**
   * @param subject  names the plugin instance in every line, e.g. {@code call filter 'x' (file:3)}
   * @param nanoTime a monotonic clock ({@link System#nanoTime} outside tests)
   */
  public FailureLog(Logger log, String subject, LongSupplier nanoTime, Duration window) {
    this(log, subject, nanoTime, window, () -> { });
  }

  /** A log that also tells {@code counted} of every failure, logged or not (metrics). */
  public FailureLog(Logger log, String subject, LongSupplier nanoTime, Duration window, Runnable counted) {
    this.counted = counted;
    this.log = log;
    this.subject = subject;
    this.nanoTime = nanoTime;
    this.windowNanos = window.toNanos();
    this.quietUntil = new AtomicLong(nanoTime.getAsLong());
  }

  /**
   * Records one failure.
   *
   * @param what  what happened, e.g. {@code "timed out after 2s"}
   * @param cause the exception, or null when there is none worth a stack trace
   */
  public void record(String what, Throwable cause) {
    record(what, cause, "the call failed");
  }

  /**
   * Records one failure whose consequence is not that the call failed.
   *
   * @param consequence what the failure did, e.g. {@code "the call was not affected"}
   */
  public void record(String what, Throwable cause, String consequence) {
    counted.run();
    long now = nanoTime.getAsLong();
    long until = quietUntil.get();
    if (now - until >= 0 && quietUntil.compareAndSet(until, now + windowNanos)) {
      long skipped = suppressed.sumThenReset();
      String more =
          skipped == 0
              ? ""
              : " (" + skipped + " more failure" + (skipped == 1 ? "" : "s") + " in the last " + WINDOW.toSeconds() + "s not logged)";
      if (cause == null) {
        log.warn("{} {}; {}{}", subject, what, consequence, more);
      } else {
        log.warn("{} {}; {}{}", subject, what, consequence, more, cause);
      }
    } else {
      suppressed.increment();
    }
  }
}

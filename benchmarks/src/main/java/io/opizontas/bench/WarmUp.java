package io.opizontas.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * How long a path is warmed up: until its throughput is steady, not for a fixed time. A process's
 * JIT keeps compiling the data path for many seconds (the gateway's ran 3.5 s → 17.4 s of compile
 * time over its first 16 s under unary load, its rounds climbing 3.7 k → 16 k calls/s), so a fixed
 * warm-up short enough to be practical measures a moving target. The load runs in windows; once the
 * last {@value #STEADY_WINDOWS} windows' rates lie within {@value #TOLERANCE_PERCENT} % of one
 * another, the path's JIT compilers used at most {@value #QUIET_PERCENT} % of a core over them (a
 * steady rate alone can be a plateau between compilations), and at least {@code min} has passed,
 * the path is steady. At {@code max} the warm-up ends anyway and says it did not settle.
 *
 * @param min the least warm-up, steady or not (--unary-warmup, --stream-warmup)
 * @param max the most (--warmup-max)
 * @param compilers the JIT threads of the path's JVMs; null: judged by the rate alone
 */
record WarmUp(Duration min, Duration max, Compilers compilers) {

  /** A window of load: of counted calls or messages, or of back-to-back stream transfers (at least). */
  static final Duration WINDOW = Duration.ofSeconds(1);
  static final int STEADY_WINDOWS = 3;
  static final int TOLERANCE_PERCENT = 5;
  static final int QUIET_PERCENT = 5;

  /**
   * One warm-up's course.
   *
   * @param took from the first window's start to the last one's end
   * @param steady whether the rates settled before {@code max}
   * @param rates every window's rate, in the load's unit per second
   * @param compiling every window's JIT compiler CPU, in % of one core; empty when not watched
   */
  record Outcome(Duration took, boolean steady, List<Double> rates, List<Double> compiling) {

    /** The last window's rate. */
    double lastRate() {
      return rates.isEmpty() ? Double.NaN : rates.get(rates.size() - 1);
    }

    /** The JIT compilers' CPU over the last windows, in % of one core; NaN when not watched. */
    double lastCompiling() {
      return compiling.isEmpty() ? Double.NaN : mean(last(compiling));
    }
  }

  /** One window of work: runs it and answers its rate. */
  interface Window {
    double rate() throws Exception;
  }

  WarmUp {
    if (max.compareTo(min) < 0) {
      throw new IllegalArgumentException("--warmup-max (" + max + ") is shorter than a warm-up's minimum (" + min + ")");
    }
  }

  /** A warm-up judged by the rate alone. */
  WarmUp(Duration min, Duration max) {
    this(min, max, null);
  }

  /** This warm-up, also waiting for the JIT threads of {@code compilers} to fall quiet. */
  WarmUp watching(Compilers compilers) {
    return new WarmUp(min, max, compilers);
  }

  /**
   * Warms up load that runs by itself meanwhile and counts what it completes: one window is
   * {@link #WINDOW} of waiting, its rate the count's growth per second.
   */
  Outcome untilSteady(LongSupplier completed) throws Exception {
    long[] last = {completed.getAsLong(), System.nanoTime()};
    return untilSteady(() -> {
      Thread.sleep(WINDOW.toMillis());
      long count = completed.getAsLong();
      long now = System.nanoTime();
      double rate = (count - last[0]) * 1e9 / (now - last[1]);
      last[0] = count;
      last[1] = now;
      return rate;
    });
  }

  /** Warms up with windows of work (e.g. stream transfers) until steady or {@code max}. */
  Outcome untilSteady(Window window) throws Exception {
    long start = System.nanoTime();
    List<Double> rates = new ArrayList<>();
    List<Double> compiling = new ArrayList<>();
    long ticks = compilers == null ? 0 : compilers.ticks();
    long windowStart = start;
    while (true) {
      rates.add(window.rate());
      long now = System.nanoTime();
      if (compilers != null) {
        long nowTicks = compilers.ticks();
        double seconds = Math.max(0, nowTicks - ticks) / ProcessWatch.TICKS_PER_SECOND;
        compiling.add(seconds * 1e9 / (now - windowStart) * 100);
        ticks = nowTicks;
      }
      windowStart = now;
      Duration took = Duration.ofNanos(now - start);
      boolean steady = steady(rates) && quiet(compiling);
      if ((steady && took.compareTo(min) >= 0) || took.compareTo(max) >= 0) {
        return new Outcome(took, steady, List.copyOf(rates), List.copyOf(compiling));
      }
    }
  }

  /**
   * Whether the JIT compilers used at most {@link #QUIET_PERCENT} % of a core over the last {@link
   * #STEADY_WINDOWS} windows; true when not watched.
   */
  boolean quiet(List<Double> compiling) {
    if (compilers == null) {
      return true;
    }
    return compiling.size() >= STEADY_WINDOWS && mean(last(compiling)) <= QUIET_PERCENT;
  }

  private static List<Double> last(List<Double> values) {
    return values.subList(Math.max(0, values.size() - STEADY_WINDOWS), values.size());
  }

  private static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  /** Whether the last {@link #STEADY_WINDOWS} rates lie within {@link #TOLERANCE_PERCENT} % of the highest. */
  static boolean steady(List<Double> rates) {
    if (rates.size() < STEADY_WINDOWS) {
      return false;
    }
    List<Double> last = last(rates);
    double highest = last.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    double lowest = last.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    return lowest > 0 && highest - lowest <= highest * TOLERANCE_PERCENT / 100.0;
  }
}

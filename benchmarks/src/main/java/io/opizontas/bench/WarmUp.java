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
 * another, and at least {@code min} has passed, the path is steady. At {@code max} the warm-up ends
 * anyway and says it did not settle.
 *
 * @param min the least warm-up, steady or not (--unary-warmup, --stream-warmup)
 * @param max the most (--warmup-max)
 */
record WarmUp(Duration min, Duration max) {

  /** A window of load: of counted calls or messages, or of back-to-back stream transfers (at least). */
  static final Duration WINDOW = Duration.ofSeconds(1);
  static final int STEADY_WINDOWS = 3;
  static final int TOLERANCE_PERCENT = 5;

  /**
   * One warm-up's course.
   *
   * @param took from the first window's start to the last one's end
   * @param steady whether the rates settled before {@code max}
   * @param rates every window's rate, in the load's unit per second
   */
  record Outcome(Duration took, boolean steady, List<Double> rates) {

    /** The last window's rate. */
    double lastRate() {
      return rates.isEmpty() ? Double.NaN : rates.get(rates.size() - 1);
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
    while (true) {
      rates.add(window.rate());
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      boolean steady = steady(rates);
      if ((steady && took.compareTo(min) >= 0) || took.compareTo(max) >= 0) {
        return new Outcome(took, steady, List.copyOf(rates));
      }
    }
  }

  /** Whether the last {@link #STEADY_WINDOWS} rates lie within {@link #TOLERANCE_PERCENT} % of the highest. */
  static boolean steady(List<Double> rates) {
    if (rates.size() < STEADY_WINDOWS) {
      return false;
    }
    List<Double> last = rates.subList(rates.size() - STEADY_WINDOWS, rates.size());
    double highest = last.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    double lowest = last.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    return lowest > 0 && highest - lowest <= highest * TOLERANCE_PERCENT / 100.0;
  }
}

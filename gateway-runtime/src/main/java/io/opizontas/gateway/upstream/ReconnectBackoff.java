package io.opizontas.gateway.upstream;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * When an endpoint may be connected again after failed connects: exponential backoff with jitter,
 * capped, as gRPC's connection backoff specifies (1 s, times 1.6 per failure, ±20 %, at most 30 s).
 * Calls arriving meanwhile fail at once instead of each opening a connection that would fail the
 * same way. Not thread-safe: its owner guards it.
 */
final class ReconnectBackoff {

  static final long INITIAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final double MULTIPLIER = 1.6;
  private static final double JITTER = 0.2;

  private int failures;
  private long retryAtNanos;
  private Throwable lastFailure;

  void failed(Throwable failure, long nowNanos) {
    double delay = Math.min(MAX_NANOS, INITIAL_NANOS * Math.pow(MULTIPLIER, failures));
    delay *= 1 + JITTER * (2 * ThreadLocalRandom.current().nextDouble() - 1);
    failures++;
    retryAtNanos = nowNanos + (long) delay;
    lastFailure = failure;
  }

  void succeeded() {
    failures = 0;
    lastFailure = null;
  }

  /** Whether a connect attempt must wait; {@link #lastFailure()} says why. */
  boolean backingOff(long nowNanos) {
    return lastFailure != null && nowNanos - retryAtNanos < 0;
  }

  long remainingMillis(long nowNanos) {
    return Math.max(0, TimeUnit.NANOSECONDS.toMillis(retryAtNanos - nowNanos));
  }

  Throwable lastFailure() {
    return lastFailure;
  }
}

package io.opizontas.gateway.routing;

import io.opizontas.gateway.config.BalancingConfig;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many of one service's calls may be retrying at once: a share of its calls in flight, with a
 * floor, as Envoy's retry budgets. When a service's endpoints fail together, retries stop at the
 * budget instead of multiplying the load on what is left of it.
 */
public final class RetryBudget {

  private final int percent;
  private final int minimum;
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger retrying = new AtomicInteger();

  RetryBudget(BalancingConfig.Retries retries) {
    this.percent = retries.budgetPercent();
    this.minimum = retries.budgetMin();
  }

  /** A call of the service is being routed; {@link #callEnded} follows once. */
  public void callStarted() {
    calls.incrementAndGet();
  }

  /**
   * The call ended.
   *
   * @param retried whether it held a retry since {@link #tryRetry} granted one
   */
  public void callEnded(boolean retried) {
    calls.decrementAndGet();
    if (retried) {
      retrying.decrementAndGet();
    }
  }

  /**
   * Whether a call may start retrying. A granted call holds its place until it ends, however many
   * more attempts it makes.
   */
  public boolean tryRetry() {
    while (true) {
      int now = retrying.get();
      if (now >= limit()) {
        return false;
      }
      if (retrying.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  /** The most calls that may be retrying at once right now. */
  public int limit() {
    return Math.max(minimum, (int) ((long) calls.get() * percent / 100));
  }

  /** Calls of the service in flight. */
  public int calls() {
    return calls.get();
  }

  /** How the budget reads, for a call's final status: "20% of 12 calls in flight, at least 3". */
  public String describe() {
    return percent + "% of " + calls.get() + " calls in flight, at least " + minimum;
  }
}

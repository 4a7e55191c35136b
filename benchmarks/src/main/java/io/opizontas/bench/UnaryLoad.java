package io.opizontas.bench;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Unary calls at a fixed concurrency: each of {@code concurrency} loops starts its next call as soon
 * as the previous one completes (closed loop), either to warm a path up (until its rate is steady,
 * see {@link WarmUp}) or for a measured period.
 */
final class UnaryLoad {

  /** Latencies are recorded in nanoseconds; calls slower than a minute are clamped. */
  private static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(10);

  /**
   * @param qps completed calls per second during the measured period
   * @param latencyNanos the latency of each call completed during the measured period
   * @param errors calls that failed during the whole run
   * @param calls calls that ended during the whole run (the last calls' drain included):
   *     the divisor of a process's CPU time over the same run
   */
  record Result(double qps, Histogram latencyNanos, long errors, long calls) {

    double p50Micros() {
      return latencyNanos.getValueAtPercentile(50) / 1000.0;
    }

    double p99Micros() {
      return latencyNanos.getValueAtPercentile(99) / 1000.0;
    }
  }

  private final Channel channel;
  private final byte[] payload;
  private final Recorder recorder = new Recorder(MAX_LATENCY_NANOS, 3);
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong calls = new AtomicLong();
  private volatile boolean running = true;
  private CountDownLatch stopped;

  private UnaryLoad(Channel channel, int size) {
    this.channel = channel;
    this.payload = new byte[size];
  }

  /** Unmeasured load on {@code channel} until {@code warmUp} finds its rate of calls steady. */
  static WarmUp.Outcome warmUp(Channel channel, int concurrency, int size, WarmUp warmUp) throws Exception {
    UnaryLoad load = new UnaryLoad(channel, size);
    load.start(concurrency);
    WarmUp.Outcome outcome = warmUp.untilSteady(load.calls::get);
    load.stop();
    return outcome;
  }

  static Result run(Channel channel, int concurrency, int size, Duration measured) throws InterruptedException {
    UnaryLoad load = new UnaryLoad(channel, size);
    load.start(concurrency);
    LatencyWindow window = LatencyWindow.over(load.recorder, measured);
    load.stop();
    return new Result(window.perSecond(), window.latency(), load.errors.get(), load.calls.get());
  }

  private void start(int concurrency) {
    stopped = new CountDownLatch(concurrency);
    for (int i = 0; i < concurrency; i++) {
      next();
    }
  }

  private void stop() throws InterruptedException {
    running = false;
    if (!stopped.await(CALL_DEADLINE.toSeconds() + 5, TimeUnit.SECONDS)) {
      throw new IllegalStateException("unary calls still outstanding after the run");
    }
  }

  private void next() {
    if (!running) {
      stopped.countDown();
      return;
    }
    long start = System.nanoTime();
    ClientCalls.asyncUnaryCall(
        channel.newCall(BenchService.ECHO, CallOptions.DEFAULT.withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)),
        payload,
        new StreamObserver<>() {
          @Override
          public void onNext(byte[] value) {}

          @Override
          public void onError(Throwable failure) {
            calls.incrementAndGet();
            if (errors.getAndIncrement() == 0) {
              System.err.println("unary call failed: " + failure);
            }
            next();
          }

          @Override
          public void onCompleted() {
            calls.incrementAndGet();
            recorder.recordValue(Math.min(System.nanoTime() - start, MAX_LATENCY_NANOS));
            next();
          }
        });
  }
}

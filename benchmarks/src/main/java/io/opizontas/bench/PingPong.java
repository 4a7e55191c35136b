package io.opizontas.bench;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latency-bound streaming: {@code streams} bidi calls to {@code Chat}, each with exactly one message
 * in flight (send, wait for the echo, send the next), either to warm a path up (until its rate is
 * steady, see {@link WarmUp}) or for a measured period. A
 * message's latency is its round trip, from sending it to receiving its echo.
 */
final class PingPong {

  private static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(1);
  /** Beyond the load's own time, how long the streams may take to start and end. */
  private static final Duration SLACK = Duration.ofSeconds(30);

  /**
   * @param messagesPerSecond round trips completed per second during the measured period
   * @param latencyNanos the round trip of each message completed during the measured period
   * @param errors streams that ended with a status other than OK
   * @param messages round trips completed during the whole run (the drain included): the
   *     divisor of a process's CPU time over the same run
   */
  record Result(double messagesPerSecond, Histogram latencyNanos, long errors, long messages) {

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
  private final AtomicLong messages = new AtomicLong();
  private volatile boolean running = true;
  private CountDownLatch ended;

  private PingPong(Channel channel, int size) {
    this.channel = channel;
    this.payload = new byte[size];
  }

  /** Unmeasured streams on {@code channel} until {@code warmUp} finds their rate of messages steady. */
  static WarmUp.Outcome warmUp(Channel channel, int streams, int size, WarmUp warmUp) throws Exception {
    PingPong load = new PingPong(channel, size);
    load.start(streams, warmUp.max());
    WarmUp.Outcome outcome = warmUp.untilSteady(load.messages::get);
    load.stop();
    return outcome;
  }

  static Result run(Channel channel, int streams, int size, Duration measured) throws InterruptedException {
    PingPong load = new PingPong(channel, size);
    load.start(streams, measured);
    LatencyWindow window = LatencyWindow.over(load.recorder, measured);
    load.stop();
    return new Result(window.perSecond(), window.latency(), load.errors.get(), load.messages.get());
  }

  /** Opens the streams, with a deadline of {@code longest} (the most the load will run) and some slack. */
  private void start(int streams, Duration longest) {
    ended = new CountDownLatch(streams);
    CallOptions deadline = CallOptions.DEFAULT.withDeadlineAfter(longest.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
    for (int i = 0; i < streams; i++) {
      new Stream(channel.newCall(BenchService.CHAT, deadline)).start();
    }
  }

  private void stop() throws InterruptedException {
    running = false;
    if (!ended.await(SLACK.toSeconds(), TimeUnit.SECONDS)) {
      throw new IllegalStateException("ping-pong streams still open after the run");
    }
  }

  /**
   * One stream. ClientCall wants its methods called one at a time; the lock only matters while
   * {@link #start} runs, when the first echo can arrive on a transport thread before it returns.
   */
  private final class Stream extends ClientCall.Listener<byte[]> {
    private final ClientCall<byte[], byte[]> call;
    private long sentAt;

    Stream(ClientCall<byte[], byte[]> call) {
      this.call = call;
    }

    synchronized void start() {
      call.start(this, new Metadata());
      call.request(1);
      send();
    }

    private void send() {
      sentAt = System.nanoTime();
      call.sendMessage(payload);
    }

    @Override
    public synchronized void onMessage(byte[] echo) {
      recorder.recordValue(Math.min(System.nanoTime() - sentAt, MAX_LATENCY_NANOS));
      messages.incrementAndGet();
      if (running) {
        call.request(1);
        send();
      } else {
        call.halfClose();
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      if (!status.isOk() && errors.getAndIncrement() == 0) {
        System.err.println("ping-pong stream failed: " + status);
      }
      ended.countDown();
    }
  }
}

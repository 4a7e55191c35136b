package io.opizontas.bench;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Many concurrent bidi calls to {@code Chat} held open and idle, for the scaling curve: each is
 * proven open end to end by one message and its echo, then sends nothing until the next
 * {@link #exchange} or {@link #close}.
 */
final class OpenStreams implements AutoCloseable {

  private final List<Stream> streams = new ArrayList<>();
  private final byte[] payload;
  private final Duration timeout;
  private final AtomicReference<Status> failure = new AtomicReference<>();
  private volatile CountDownLatch echoes;
  private CountDownLatch closed;

  private OpenStreams(int size, Duration timeout) {
    this.payload = new byte[size];
    this.timeout = timeout;
  }

  /**
   * Opens {@code count} streams spread evenly over {@code channels}, and returns once each has had
   * its first echo.
   *
   * @param lifetime the calls' deadline: longer than they are meant to stay open
   */
  static OpenStreams open(List<? extends Channel> channels, int count, int size, Duration lifetime, Duration timeout)
      throws InterruptedException {
    OpenStreams open = new OpenStreams(size, timeout);
    open.closed = new CountDownLatch(count);
    open.echoes = new CountDownLatch(count);
    CallOptions deadline = CallOptions.DEFAULT.withDeadlineAfter(lifetime.toMillis(), TimeUnit.MILLISECONDS);
    for (int i = 0; i < count; i++) {
      Stream stream = open.new Stream(channels.get(i % channels.size()).newCall(BenchService.CHAT, deadline));
      open.streams.add(stream);
      stream.start();
    }
    open.awaitEchoes("opening " + count + " streams");
    return open;
  }

  /** One more message and its echo on every stream: proves that all are still open. */
  void exchange() throws InterruptedException {
    echoes = new CountDownLatch(streams.size());
    for (Stream stream : streams) {
      stream.send();
    }
    awaitEchoes("one message on each of " + streams.size() + " streams");
  }

  private void awaitEchoes(String what) throws InterruptedException {
    boolean done = echoes.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    Status failed = failure.get();
    if (failed != null) {
      throw new IllegalStateException(what + ": a stream failed with " + failed);
    }
    if (!done) {
      throw new IllegalStateException(what + ": " + echoes.getCount() + " echoes missing after " + timeout.toSeconds() + " s");
    }
  }

  /** Half-closes every stream and waits for each to end. */
  @Override
  public void close() throws InterruptedException {
    for (Stream stream : streams) {
      stream.halfClose();
    }
    if (!closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(closed.getCount() + " streams still open " + timeout.toSeconds() + " s after half-close");
    }
  }

  /** One stream; its ClientCall is only ever called under its own lock, so one call at a time. */
  private final class Stream extends ClientCall.Listener<byte[]> {
    private final ClientCall<byte[], byte[]> call;

    Stream(ClientCall<byte[], byte[]> call) {
      this.call = call;
    }

    synchronized void start() {
      call.start(this, new Metadata());
      send();
    }

    synchronized void send() {
      call.request(1);
      call.sendMessage(payload);
    }

    synchronized void halfClose() {
      call.halfClose();
    }

    @Override
    public void onMessage(byte[] echo) {
      echoes.countDown();
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      if (!status.isOk()) {
        failure.compareAndSet(null, status);
        echoes.countDown();
      }
      closed.countDown();
    }
  }
}

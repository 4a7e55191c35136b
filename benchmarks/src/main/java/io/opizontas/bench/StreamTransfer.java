package io.opizontas.bench;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One large streaming call, timed from start to the final status, honouring gRPC flow control on
 * the sending side ({@code isReady}/{@code onReady}) so that nobody buffers more than its windows.
 */
final class StreamTransfer {

  /** How often a paced reader grants itself more messages. */
  private static final long PACE_TICK_MILLIS = 10;

  /**
   * @param bytes payload bytes moved (checked against what was asked)
   * @param seconds from the call's start to its OK status
   */
  record Result(long bytes, double seconds) {
    /** Throughput in MB/s (10⁶ bytes per second). */
    double megabytesPerSecond() {
      return bytes / seconds / 1e6;
    }
  }

  private StreamTransfer() {}

  /**
   * One warm-up window of streams ({@link WarmUp}): transfers back to back until {@link WarmUp#WINDOW}
   * has passed, and their MB/s together.
   */
  static double window(java.util.concurrent.Callable<Result> transfer) throws Exception {
    long start = System.nanoTime();
    long bytes = 0;
    do {
      bytes += transfer.call().bytes();
    } while (System.nanoTime() - start < WarmUp.WINDOW.toNanos());
    return bytes / ((System.nanoTime() - start) / 1e9) / 1e6;
  }

  /** Client streaming: sends {@code bytes} as messages of {@code messageSize}; the backend counts. */
  static Result upload(Channel channel, long bytes, int messageSize, Duration timeout) throws Exception {
    ClientCall<byte[], byte[]> call = channel.newCall(BenchService.UPLOAD, deadline(timeout));
    CompletableFuture<Long> counted = new CompletableFuture<>();
    byte[] message = new byte[messageSize];
    long start = System.nanoTime();
    Object sending = new Object();
    long[] sent = {0};
    boolean[] halfClosed = {false};
    Runnable send = () -> {
      synchronized (sending) {
        while (!halfClosed[0] && call.isReady()) {
          if (sent[0] >= bytes) {
            halfClosed[0] = true;
            call.halfClose();
            return;
          }
          int size = (int) Math.min(messageSize, bytes - sent[0]);
          call.sendMessage(size == messageSize ? message : new byte[size]);
          sent[0] += size;
        }
      }
    };
    call.start(new ClientCall.Listener<>() {
      private long answer = -1;

      @Override
      public void onMessage(byte[] message) {
        answer = ByteBuffer.wrap(message).getLong();
      }

      @Override
      public void onReady() {
        send.run();
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        complete(counted, status, answer);
      }
    }, new Metadata());
    call.request(1);
    send.run();
    long received = counted.get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    double seconds = (System.nanoTime() - start) / 1e9;
    check(received, bytes);
    return new Result(received, seconds);
  }

  /**
   * Server streaming: the backend sends {@code bytes} as messages of {@code messageSize}. With
   * {@code bytesPerSecond} > 0 the client reads no faster than that (a slow reader): it grants
   * itself messages on a timer, so unread bytes stay in the transport and flow control pushes back.
   */
  static Result download(Channel channel, long bytes, int messageSize, long bytesPerSecond, Duration timeout)
      throws Exception {
    ClientCall<byte[], byte[]> call = channel.newCall(BenchService.DOWNLOAD, deadline(timeout));
    CompletableFuture<Long> counted = new CompletableFuture<>();
    long start = System.nanoTime();
    call.start(new ClientCall.Listener<>() {
      private long received;

      @Override
      public void onMessage(byte[] message) {
        received += message.length;
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        complete(counted, status, received);
      }
    }, new Metadata());
    call.sendMessage(BenchService.downloadRequest(bytes, messageSize));
    call.halfClose();
    // ClientCall wants its methods called one at a time: from here on only the pacer calls one.
    ScheduledExecutorService pacer = null;
    if (bytesPerSecond > 0) {
      pacer = Executors.newSingleThreadScheduledExecutor();
      long[] granted = {0};
      ScheduledFuture<?> ticks = pacer.scheduleAtFixedRate(() -> {
        double elapsed = (System.nanoTime() - start) / 1e9;
        long due = (long) Math.ceil(elapsed * bytesPerSecond / messageSize);
        if (due > granted[0]) {
          call.request((int) (due - granted[0]));
          granted[0] = due;
        }
      }, 0, PACE_TICK_MILLIS, TimeUnit.MILLISECONDS);
      counted.whenComplete((count, failure) -> ticks.cancel(false));
    } else {
      call.request(Integer.MAX_VALUE);
    }
    try {
      long received = counted.get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
      double seconds = (System.nanoTime() - start) / 1e9;
      check(received, bytes);
      return new Result(received, seconds);
    } finally {
      if (pacer != null) {
        pacer.shutdownNow();
      }
    }
  }

  private static CallOptions deadline(Duration timeout) {
    return CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static void complete(CompletableFuture<Long> result, Status status, long count) {
    if (status.isOk()) {
      result.complete(count);
    } else {
      result.completeExceptionally(status.asRuntimeException());
    }
  }

  private static void check(long moved, long expected) {
    if (moved != expected) {
      throw new IllegalStateException("moved " + moved + " bytes, expected " + expected);
    }
  }
}

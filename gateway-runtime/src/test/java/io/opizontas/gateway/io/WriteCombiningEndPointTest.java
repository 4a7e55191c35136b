package io.opizontas.gateway.io;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteArrayEndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.FutureCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The write combiner over Jetty's in-memory endpoint, which records every write the socket gets:
 * what one read produces leaves in one write, in order, and nothing is lost or leaked on close.
 */
class WriteCombiningEndPointTest {

  private final ArrayByteBufferPool.Tracking buffers = new ArrayByteBufferPool.Tracking();
  private final Socket socket = new Socket(1024 * 1024);
  private final WriteCombiningEndPoint endPoint = new WriteCombiningEndPoint(socket, buffers);

  @AfterEach
  void everyGatheredBufferIsReleased() {
    assertThat(buffers.getLeaks()).isEmpty();
  }

  @Test
  void theFramesOfOneReadLeaveInOneSocketWrite() {
    List<FutureCallback> written = new ArrayList<>();

    inRead(() -> {
      for (String frame : List.of("HEADERS", "DATA", "TRAILERS")) {
        FutureCallback callback = new FutureCallback();
        endPoint.write(callback, ascii(frame));
        written.add(callback);
      }
      // Reported written at once, so the session and the call go on within the read.
      assertThat(written).allMatch(FutureCallback::isDone);
      assertThat(socket.writes).isEmpty();
    });

    assertThat(socket.writes).hasSize(1);
    assertThat(socket.takeOutputString()).isEqualTo("HEADERSDATATRAILERS");
  }

  @Test
  void onceEnoughIsGatheredTheEndOfACallLeavesAtOnceSoThePeerCanStartOnIt() {
    inRead(() -> {
      endPoint.write(Callback.NOOP, frame(0x0, 0, 3, WriteCombiningEndPoint.FLUSH_AT));
      assertThat(socket.writes).as("no stream ended yet").isEmpty();
      endPoint.write(Callback.NOOP, frame(0x1, 0x1 | 0x4, 3, 10));
      assertThat(socket.writes).as("stream 3 ended with over FLUSH_AT gathered").hasSize(1);
      endPoint.write(Callback.NOOP, frame(0x1, 0x4, 5, 10));
    });

    assertThat(socket.writes).hasSize(2);
  }

  @Test
  void theEndOfACallWaitsForTheReadWhenLittleIsGathered() {
    inRead(() -> {
      endPoint.write(Callback.NOOP, frame(0x0, 0x1, 3, 100));
      endPoint.write(Callback.NOOP, frame(0x0, 0x1, 5, 100));
      assertThat(socket.writes).isEmpty();
    });

    assertThat(socket.writes).hasSize(1);
  }

  @Test
  void writesOutsideAReadGoStraightToTheSocket() {
    endPoint.write(Callback.NOOP, ascii("one"));
    endPoint.write(Callback.NOOP, ascii("two"));

    assertThat(socket.writes).hasSize(2);
    assertThat(socket.takeOutputString()).isEqualTo("onetwo");
  }

  @Test
  void aLargeWriteLeavesAtOnceBehindTheGatheredBytesAndIsNeverCopied() {
    ByteBuffer large = ascii("L".repeat(WriteCombiningEndPoint.COPY_LIMIT + 1));
    FutureCallback largeWritten = new FutureCallback();

    inRead(() -> {
      endPoint.write(Callback.NOOP, ascii("small"));
      endPoint.write(largeWritten, large);
      assertThat(socket.writes).hasSize(1);
      assertThat(largeWritten.isDone()).isTrue();
    });

    assertThat(socket.writes).hasSize(1);
    assertThat(socket.writes.get(0)).hasSize(2);
    assertThat(socket.writes.get(0)[1]).isSameAs(large);
    assertThat(socket.takeOutputString()).isEqualTo("small" + "L".repeat(WriteCombiningEndPoint.COPY_LIMIT + 1));
  }

  @Test
  void readingAgainSendsWhatThePreviousReadProducedFirst() {
    inRead(() -> {
      endPoint.write(Callback.NOOP, ascii("first"));
      fill();
      assertThat(socket.takeOutputString()).isEqualTo("first");
      endPoint.write(Callback.NOOP, ascii("second"));
    });

    assertThat(socket.writes).hasSize(2);
    assertThat(socket.takeOutputString()).isEqualTo("second");
  }

  @Test
  void aGracefulCloseWritesTheGatheredBytesBeforeClosing() {
    inRead(() -> {
      endPoint.write(Callback.NOOP, ascii("GOAWAY"));
      endPoint.close();
      assertThat(socket.takeOutputString()).isEqualTo("GOAWAY");
      assertThat(socket.isOpen()).isFalse();
    });
  }

  @Test
  void anOutputShutdownWritesTheGatheredBytesFirst() {
    inRead(() -> {
      endPoint.write(Callback.NOOP, ascii("last"));
      endPoint.shutdownOutput();
    });

    assertThat(socket.takeOutputString()).isEqualTo("last");
    assertThat(socket.isOutputShutdown()).isTrue();
  }

  @Test
  void anAbortiveCloseDropsTheGatheredBytesAndReleasesTheirBuffer() {
    inRead(() -> {
      endPoint.write(Callback.NOOP, ascii("lost"));
      endPoint.close(new IOException("reset"));
    });

    assertThat(socket.isOpen()).isFalse();
    assertThat(socket.takeOutputString()).isEmpty();
  }

  @Test
  void aWriteThatComesWhileTheSocketIsFullFollowsTheGatheredBytes() {
    Socket small = new Socket(8);
    WriteCombiningEndPoint full = new WriteCombiningEndPoint(small, buffers);
    FutureCallback later = new FutureCallback();

    inRead(() -> {
      full.write(Callback.NOOP, ascii("aaaaaa"));
      full.write(Callback.NOOP, ascii("bbbbbb"));
    });
    full.write(later, ascii("cccccc"));

    StringBuilder received = new StringBuilder();
    while (received.length() < 18) {
      received.append(small.takeOutputString());
    }
    assertThat(received).hasToString("aaaaaabbbbbbcccccc");
    assertThat(later.isDone()).isTrue();
  }

  @Test
  void aShortReadEndsTheReadWithoutAnotherSystemCallAndTheSelectorResumesIt() throws Exception {
    ByteBuffer buffer = BufferUtil.allocate(16);
    socket.addInput("abc");
    assertThat(endPoint.fill(buffer)).isEqualTo(3);

    socket.addInput("def");
    assertThat(endPoint.fill(buffer)).as("the socket was found empty a moment ago").isZero();
    FutureCallback readable = new FutureCallback();
    endPoint.fillInterested(readable);
    readable.get(5, TimeUnit.SECONDS);
    assertThat(endPoint.fill(buffer)).isEqualTo(3);
    assertThat(BufferUtil.toString(buffer, US_ASCII)).isEqualTo("abcdef");
  }

  @Test
  void aFullReadReadsAgain() throws Exception {
    ByteBuffer buffer = BufferUtil.allocate(3);
    socket.addInput("abcdef");
    assertThat(endPoint.fill(buffer)).isEqualTo(3);
    BufferUtil.clear(buffer);
    assertThat(endPoint.fill(buffer)).isEqualTo(3);
  }

  private void fill() {
    try {
      endPoint.fill(BufferUtil.allocate(16));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code body} as a connection's read callback, as the selector would. */
  private static void inRead(Runnable body) {
    ReadBatch.run(Callback.from(body));
  }

  /** An HTTP/2 frame of {@code type} and {@code flags} on {@code stream}, {@code length} payload bytes. */
  private static ByteBuffer frame(int type, int flags, int stream, int length) {
    ByteBuffer frame = ByteBuffer.allocate(9 + length);
    frame.put((byte) (length >>> 16)).put((byte) (length >>> 8)).put((byte) length);
    frame.put((byte) type).put((byte) flags).putInt(stream);
    return frame.position(0);
  }

  private static ByteBuffer ascii(String text) {
    return ByteBuffer.wrap(text.getBytes(US_ASCII));
  }

  /** Jetty's in-memory endpoint, recording the buffers of every write it is asked for. */
  private static final class Socket extends ByteArrayEndPoint {
    final List<ByteBuffer[]> writes = new ArrayList<>();

    Socket(int outputCapacity) {
      super(null, 0, null, outputCapacity, outputCapacity > 1024);
    }

    @Override
    public void write(Callback callback, ByteBuffer... buffers) {
      writes.add(Arrays.copyOf(buffers, buffers.length));
      super.write(callback, buffers);
    }

    @Override
    public String takeOutputString() {
      return super.takeOutputString(US_ASCII);
    }
  }
}

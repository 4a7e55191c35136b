package io.opizontas.gateway.proxy;

import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.AutoLock;

/**
 * The writing side of one HTTP/2 stream, one frame at a time.
 *
 * <p>Jetty accepts a single pending write per stream; a second one fails with {@code
 * WritePendingException}. The pump never has more than one DATA write in flight, so the only frame
 * that can race it is a terminal one (trailers, or an error the gateway answers with). A terminal
 * frame issued during a write (or while response headers are {@link #reserve reserved}) is held and
 * written when that write completes. After a terminal frame or a reset, further writes fail their
 * callback at once.
 */
final class OutboundStream {

  private final AutoLock lock = new AutoLock();
  private final Stream stream;
  private boolean writing;
  private boolean ended;
  private boolean finished;
  private HeadersFrame heldTerminal;
  private Callback heldCallback;

  OutboundStream(Stream stream) {
    this.stream = stream;
  }

  Stream stream() {
    return stream;
  }

  int id() {
    return stream.getId();
  }

  /** Whether a terminal frame or reset has been issued: nothing more will be written. */
  boolean isEnded() {
    try (AutoLock ignored = lock.lock()) {
      return ended;
    }
  }

  /** Whether this side ended with an END_STREAM frame (issued, maybe not yet written), not a reset. */
  boolean isFinished() {
    try (AutoLock ignored = lock.lock()) {
      return finished;
    }
  }

  /**
   * Writes the response headers after {@link #reserve()} succeeded; {@code callback} learns when
   * they are flushed. They are written even if the call ended meanwhile: a held terminal frame
   * then follows them.
   */
  void headers(HeadersFrame frame, Callback callback) {
    stream.headers(frame, new WriteCompletion(callback));
  }

  /** Writes one DATA frame; the caller releases its buffer in {@code callback}. */
  void data(DataFrame frame, Callback callback) {
    if (!startWrite(frame.isEndStream(), callback)) {
      return;
    }
    stream.data(frame, new WriteCompletion(callback));
  }

  /**
   * Ends the stream with a HEADERS frame carrying END_STREAM (trailers, or a trailers-only
   * response). Returns false when the stream had already ended.
   */
  boolean end(HeadersFrame terminal) {
    return end(terminal, Callback.NOOP);
  }

  /** As {@link #end(HeadersFrame)}; {@code written} learns when the terminal frame is flushed. */
  boolean end(HeadersFrame terminal, Callback written) {
    try (AutoLock ignored = lock.lock()) {
      if (ended) {
        return false;
      }
      ended = true;
      finished = true;
      if (writing) {
        heldTerminal = terminal;
        heldCallback = written;
        return true;
      }
      writing = true;
    }
    stream.headers(terminal, new WriteCompletion(written));
    return true;
  }

  /**
   * Gives up the stream: resets it with an HTTP/2 error code and drops a held terminal frame. A reset
   * is stream-wide: it also stops the direction this side does not write, so it is sent even after
   * this side ended. A stream already closed both ways is not reset (its peer would count an
   * RST_STREAM for a stream it closed against the connection), but DATA it received and nobody read
   * yet is read and released here: those bytes return to the connection's flow-control window only
   * when released, and nothing else will read them now.
   */
  void reset(int errorCode) {
    try (AutoLock ignored = lock.lock()) {
      ended = true;
      heldTerminal = null;
      heldCallback = null;
    }
    if (stream.isClosed()) {
      discardReceived();
    } else {
      // Jetty's reset releases the DATA queued on the stream itself.
      stream.reset(new ResetFrame(stream.getId(), errorCode), Callback.NOOP);
    }
  }

  /**
   * Reads and releases whatever DATA the stream received and nobody read, up to its end: once the
   * END_STREAM frame is read, Jetty answers every further read with an end-of-stream marker.
   */
  void discardReceived() {
    for (Stream.Data data = stream.readData(); data != null; data = stream.readData()) {
      boolean last = data.frame().isEndStream();
      data.release();
      if (last) {
        return;
      }
    }
  }

  /**
   * Holds the stream for a HEADERS frame the caller is about to write with {@link #headers}: a
   * terminal frame issued in between waits for it, so it can never overtake the response headers.
   * Returns false when the stream had already ended.
   */
  boolean reserve() {
    try (AutoLock ignored = lock.lock()) {
      if (ended || writing) {
        return false;
      }
      writing = true;
      return true;
    }
  }

  private boolean startWrite(boolean endStream, Callback callback) {
    try (AutoLock ignored = lock.lock()) {
      if (!ended) {
        writing = true;
        ended = endStream;
        finished = endStream;
        return true;
      }
    }
    callback.failed(new StreamEndedException(stream.getId()));
    return false;
  }

  /** The terminal frame held behind the write that just completed, with its callback, or null. */
  private WriteCompletion finishWrite() {
    try (AutoLock ignored = lock.lock()) {
      HeadersFrame held = heldTerminal;
      Callback callback = heldCallback;
      heldTerminal = null;
      heldCallback = null;
      writing = held != null;
      return held == null ? null : new WriteCompletion(held, callback);
    }
  }

  /** Completes one write: first lets a held terminal frame go, then tells the writer. */
  private final class WriteCompletion implements Callback {
    private final HeadersFrame frame;
    private final Callback callback;

    WriteCompletion(Callback callback) {
      this(null, callback);
    }

    /** For a held terminal frame: {@code frame} is what to write. */
    WriteCompletion(HeadersFrame frame, Callback callback) {
      this.frame = frame;
      this.callback = callback;
    }

    @Override
    public void succeeded() {
      WriteCompletion held = finishWrite();
      if (held != null) {
        stream.headers(held.frame, held);
      }
      callback.succeeded();
    }

    @Override
    public void failed(Throwable failure) {
      WriteCompletion held = finishWrite();
      if (held != null) {
        held.callback.failed(failure);
      }
      callback.failed(failure);
    }

    @Override
    public InvocationType getInvocationType() {
      return InvocationType.NON_BLOCKING;
    }
  }

  /** A write was attempted after the stream ended; the call is already being torn down. */
  static final class StreamEndedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    StreamEndedException(int streamId) {
      super("stream " + streamId + " already ended");
    }
  }
}

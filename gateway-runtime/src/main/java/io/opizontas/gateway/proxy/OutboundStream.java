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
 * frame issued during a write is held and written when that write completes. After a terminal frame
 * or a reset, further writes fail their callback at once.
 */
final class OutboundStream {

  private final AutoLock lock = new AutoLock();
  private final Stream stream;
  private boolean writing;
  private boolean ended;
  private HeadersFrame heldTerminal;

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

  /** Writes non-terminal response headers; {@code callback} learns when they are flushed. */
  void headers(HeadersFrame frame, Callback callback) {
    if (!startWrite(frame.isEndStream(), callback)) {
      return;
    }
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
    try (AutoLock ignored = lock.lock()) {
      if (ended) {
        return false;
      }
      ended = true;
      if (writing) {
        heldTerminal = terminal;
        return true;
      }
      writing = true;
    }
    stream.headers(terminal, new WriteCompletion(Callback.NOOP));
    return true;
  }

  /**
   * Resets the stream with an HTTP/2 error code and drops a held terminal frame. A reset is
   * stream-wide: it also stops the direction this side does not write, so it is sent even after
   * this side ended, unless the stream is already closed.
   */
  void reset(int errorCode) {
    try (AutoLock ignored = lock.lock()) {
      ended = true;
      heldTerminal = null;
    }
    if (!stream.isClosed()) {
      stream.reset(new ResetFrame(stream.getId(), errorCode), Callback.NOOP);
    }
  }

  private boolean startWrite(boolean endStream, Callback callback) {
    try (AutoLock ignored = lock.lock()) {
      if (!ended) {
        writing = true;
        ended = endStream;
        return true;
      }
    }
    callback.failed(new StreamEndedException(stream.getId()));
    return false;
  }

  private HeadersFrame finishWrite() {
    try (AutoLock ignored = lock.lock()) {
      HeadersFrame held = heldTerminal;
      heldTerminal = null;
      writing = held != null;
      return held;
    }
  }

  /** Completes one write: first lets a held terminal frame go, then tells the writer. */
  private final class WriteCompletion implements Callback {
    private final Callback callback;

    WriteCompletion(Callback callback) {
      this.callback = callback;
    }

    @Override
    public void succeeded() {
      HeadersFrame held = finishWrite();
      if (held != null) {
        stream.headers(held, new WriteCompletion(Callback.NOOP));
      }
      callback.succeeded();
    }

    @Override
    public void failed(Throwable failure) {
      finishWrite();
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

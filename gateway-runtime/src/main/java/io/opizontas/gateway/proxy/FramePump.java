package io.opizontas.gateway.proxy;

import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.AutoLock;

/**
 * Moves DATA frames from one stream to another, one at a time, without copying them.
 *
 * <p>A frame read from the source is written to the sink as the same buffer; the source's {@link
 * Stream.Data} is released, and more is demanded, only when the sink's write completes. Releasing
 * returns the bytes to the source's HTTP/2 flow-control window, so a slow sink stops the source's
 * peer after one window: memory per call is bounded by the windows, not by message or stream size.
 *
 * <p>Trailers: Jetty notifies the trailers HEADERS frame as soon as it arrives, while DATA before it
 * may still wait to be read, and queues an empty end-of-stream marker behind that DATA. The pump
 * therefore only remembers trailers and forwards them when it reads the marker, so the body stays in
 * order.
 *
 * <p>Fewer writes: response headers given to {@link #prefix} leave together with the first DATA
 * frame, and when the trailers have already arrived and that DATA is the last, with them too, so a
 * unary response costs one socket write instead of three. Who releases what: the pump releases
 * every {@code Stream.Data} it reads, after the write of its bytes completed or failed.
 */
final class FramePump {

  /** What the pump tells the call it belongs to. */
  interface Ends {
    /**
     * The source's trailers are next; returns the frame to write to the sink (possibly edited), or
     * null when the call has already ended otherwise and nothing more must be written.
     */
    HeadersFrame trailers(HeadersFrame trailers);

    /** The source ended with an empty END_STREAM DATA frame, and no trailers will follow. */
    void sourceEndedWithoutTrailers();

    /** A write to the sink failed: the sink's peer is gone or the call ended. */
    void sinkFailed(Throwable failure);
  }

  private final AutoLock lock = new AutoLock();
  private final Stream source;
  private final OutboundStream sink;
  private final Ends ends;
  private final boolean trailersExpected;
  private HeadersFrame prefix;
  private HeadersFrame trailers;
  private boolean endRead;
  private boolean sourceClosed;
  private boolean done;

  /**
   * @param trailersExpected true for responses, which gRPC always ends with trailers; false for
   *     requests, which clients end with an END_STREAM DATA frame
   */
  FramePump(Stream source, OutboundStream sink, Ends ends, boolean trailersExpected) {
    this.source = source;
    this.sink = sink;
    this.ends = ends;
    this.trailersExpected = trailersExpected;
  }

  /** Headers to write with the first frame the pump forwards; the caller then demands data. */
  void prefix(HeadersFrame headers) {
    try (AutoLock ignored = lock.lock()) {
      prefix = headers;
    }
  }

  /**
   * Takes back headers given to {@link #prefix} that have not been written yet, so the call can end
   * with a trailers-only response instead; null when they are written or being written.
   */
  HeadersFrame takePrefix() {
    try (AutoLock ignored = lock.lock()) {
      HeadersFrame unsent = prefix;
      prefix = null;
      return unsent;
    }
  }

  /** The source has data (Jetty's onDataAvailable): forward one frame. */
  void onDataAvailable() {
    Stream.Data data = source.readData();
    if (data == null) {
      source.demand();
    } else {
      forward(data);
    }
  }

  private void forward(Stream.Data data) {
    DataFrame frame = data.frame();
    if (frame.isEndStream() && !frame.getByteBuffer().hasRemaining()) {
      data.release();
      onEndOfStream();
      return;
    }
    DataFrame out = new DataFrame(sink.id(), frame.getByteBuffer(), frame.isEndStream());
    HeadersFrame head = takePrefix();
    if (head == null) {
      sink.data(out, new Forwarded(data, null));
      return;
    }
    // The trailers already arrived: if this DATA is the last, they leave with it.
    Stream.Data next = knownTrailers() ? source.readData() : null;
    HeadersFrame tail = null;
    if (next != null && next.frame().isEndStream() && !next.frame().getByteBuffer().hasRemaining()) {
      next.release();
      next = null;
      tail = endWithTrailers();
    }
    sink.send(head, out, tail, new Forwarded(data, next));
  }

  /** The source's trailers arrived (Jetty's onHeaders with END_STREAM). */
  void onTrailers(HeadersFrame frame) {
    boolean forward;
    try (AutoLock ignored = lock.lock()) {
      trailers = frame;
      forward = endRead && !done;
    }
    if (forward) {
      writeTrailers();
    }
  }

  /** The source stream closed; if it ended without trailers, none will come now. */
  void onSourceClosed() {
    boolean missing;
    try (AutoLock ignored = lock.lock()) {
      sourceClosed = true;
      missing = trailersExpected && endRead && trailers == null && !done;
      done |= missing;
    }
    if (missing) {
      ends.sourceEndedWithoutTrailers();
    }
  }

  private boolean knownTrailers() {
    try (AutoLock ignored = lock.lock()) {
      return trailers != null;
    }
  }

  /** Marks the end as read and returns the trailers frame to write, or null if nothing is owed. */
  private HeadersFrame endWithTrailers() {
    HeadersFrame known;
    try (AutoLock ignored = lock.lock()) {
      endRead = true;
      if (done || trailers == null) {
        return null;
      }
      done = true;
      known = trailers;
    }
    return ends.trailers(known);
  }

  private void writeTrailers() {
    HeadersFrame head = takePrefix();
    HeadersFrame tail = endWithTrailers();
    if (tail == null) {
      return;
    }
    if (head != null) {
      sink.send(head, null, tail, Callback.NOOP);
    } else {
      sink.end(tail);
    }
  }

  private void onEndOfStream() {
    boolean trailersKnown;
    boolean withoutTrailers;
    try (AutoLock ignored = lock.lock()) {
      endRead = true;
      trailersKnown = !done && trailers != null;
      withoutTrailers = !done && trailers == null && (!trailersExpected || sourceClosed);
      done |= withoutTrailers;
    }
    if (trailersKnown) {
      writeTrailers();
    } else if (withoutTrailers) {
      if (trailersExpected) {
        ends.sourceEndedWithoutTrailers();
      } else {
        sink.data(new DataFrame(sink.id(), BufferUtil.EMPTY_BUFFER, true), Callback.from(() -> {}, ends::sinkFailed));
      }
    }
  }

  /** Completion of one forwarded frame: releases it, then goes on with the next. */
  private final class Forwarded implements Callback {
    private final Stream.Data data;
    private final Stream.Data next;

    /** @param next a frame already read ahead of this one, forwarded next instead of demanding */
    Forwarded(Stream.Data data, Stream.Data next) {
      this.data = data;
      this.next = next;
    }

    @Override
    public void succeeded() {
      boolean last = data.frame().isEndStream();
      data.release();
      if (next != null) {
        forward(next);
      } else if (!last) {
        source.demand();
      }
    }

    @Override
    public void failed(Throwable failure) {
      data.release();
      if (next != null) {
        next.release();
      }
      ends.sinkFailed(failure);
    }

    @Override
    public InvocationType getInvocationType() {
      return InvocationType.NON_BLOCKING;
    }
  }
}

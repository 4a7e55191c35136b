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
 * order. Who releases what: the pump releases every {@code Stream.Data} it reads, after the write of
 * its bytes completed or failed.
 */
final class FramePump {

  /** What the pump tells the call it belongs to. */
  interface Ends {
    /** The source's trailers (or, on the request side, its end) must go to the sink. */
    void forwardTrailers(HeadersFrame trailers);

    /** The source ended with an empty END_STREAM DATA frame, and no trailers will follow. */
    void sourceEndedWithoutTrailers();

    /** A write to the sink failed: the sink's peer is gone or the call ended. */
    void sinkFailed(Throwable failure);

    /** A DATA frame of {@code bytes} is on its way to the sink (metrics, the call's outcome). */
    void forwarding(int bytes);
  }

  private final AutoLock lock = new AutoLock();
  private final Stream source;
  private final OutboundStream sink;
  private final Ends ends;
  private final boolean trailersExpected;
  private HeadersFrame trailers;
  private boolean endRead;
  private boolean sourceClosed;
  private boolean done;
  private boolean reading;
  private boolean retired;

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

  /** The source has data (Jetty's onDataAvailable): forward one frame. */
  void onDataAvailable() {
    try (AutoLock ignored = lock.lock()) {
      if (retired) {
        return;
      }
      reading = true;
    }
    Stream.Data data = source.readData();
    if (data == null) {
      source.demand();
      return;
    }
    DataFrame frame = data.frame();
    if (frame.isEndStream() && !frame.getByteBuffer().hasRemaining()) {
      data.release();
      onEndOfStream();
      return;
    }
    ends.forwarding(frame.remaining());
    sink.data(new DataFrame(sink.id(), frame.getByteBuffer(), frame.isEndStream()), new Forwarded(data));
  }

  /** The source's trailers arrived (Jetty's onHeaders with END_STREAM). */
  void onTrailers(HeadersFrame frame) {
    boolean forward;
    try (AutoLock ignored = lock.lock()) {
      trailers = frame;
      forward = endRead && !done;
      done |= forward;
    }
    if (forward) {
      ends.forwardTrailers(frame);
    }
  }

  /**
   * Takes the pump out of service if it never read from its source, so that what the source holds
   * can go to another sink instead (a retry on another backend); false when it has read, and may
   * have forwarded, something. A retired pump reads nothing more.
   */
  boolean retireUnread() {
    try (AutoLock ignored = lock.lock()) {
      retired = !reading;
      return retired;
    }
  }

  /** Whether the source's trailers have arrived (they may still wait for DATA before them). */
  boolean trailersReceived() {
    try (AutoLock ignored = lock.lock()) {
      return trailers != null;
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

  private void onEndOfStream() {
    HeadersFrame pending;
    boolean withoutTrailers;
    try (AutoLock ignored = lock.lock()) {
      endRead = true;
      pending = done ? null : trailers;
      withoutTrailers = !done && pending == null && (!trailersExpected || sourceClosed);
      done |= pending != null || withoutTrailers;
    }
    if (pending != null) {
      ends.forwardTrailers(pending);
    } else if (withoutTrailers) {
      if (trailersExpected) {
        ends.sourceEndedWithoutTrailers();
      } else {
        sink.data(new DataFrame(sink.id(), BufferUtil.EMPTY_BUFFER, true), Callback.from(() -> {}, ends::sinkFailed));
      }
    }
  }

  /** Completion of one forwarded frame: releases it, then asks for the next. */
  private final class Forwarded implements Callback {
    private final Stream.Data data;

    Forwarded(Stream.Data data) {
      this.data = data;
    }

    @Override
    public void succeeded() {
      boolean last = data.frame().isEndStream();
      data.release();
      if (!last) {
        source.demand();
      }
    }

    @Override
    public void failed(Throwable failure) {
      data.release();
      ends.sinkFailed(failure);
    }

    @Override
    public InvocationType getInvocationType() {
      return InvocationType.NON_BLOCKING;
    }
  }
}

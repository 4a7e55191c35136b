package io.opizontas.gateway.proxy;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.upstream.UpstreamSession;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.AutoLock;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One forwarded call: the client's stream (downstream) and the backend's stream (upstream), the two
 * {@link FramePump}s between them, the call's deadline, and how it ends.
 *
 * <p>A call ends exactly once, by whichever comes first: the backend's trailers, a status the
 * gateway answers with (no route, backend unreachable or reset, deadline, filter rejection), or a
 * reset from either side. Once ended, the other side is cancelled with RST_STREAM(CANCEL).
 *
 * <p>This object is the downstream stream's listener; {@link Upstream} is the upstream's.
 */
final class ProxyCall implements Stream.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(ProxyCall.class);
  private static final int MAX_OPEN_ATTEMPTS = 2;

  private final CallRuntime runtime;
  private final Stream downstreamStream;
  private final OutboundStream downstream;
  private final MetaData.Request request;
  private final String service;
  private final String method;
  private final boolean requestEnded;
  private final AutoLock lock = new AutoLock();
  private volatile FilteredCall filtered = FilteredCall.PROCEED;
  private volatile boolean discardingRequest;
  // Guarded by lock.
  private boolean responseStarted;
  private boolean ended;
  private boolean cancelled;
  private OutboundStream upstream;
  private FramePump requestPump;
  private FramePump responsePump;
  private UpstreamSession lease;
  private Scheduler.Task deadline;

  ProxyCall(CallRuntime runtime, Stream stream, MetaData.Request request, String service, String method,
      boolean requestEnded) {
    this.runtime = runtime;
    this.downstreamStream = stream;
    this.downstream = new OutboundStream(stream);
    this.request = request;
    this.service = service;
    this.method = method;
    this.requestEnded = requestEnded;
  }

  /**
   * Starts the call from Jetty's onNewStream. Nothing here reads downstream data yet: Jetty installs
   * this listener only when onNewStream returns, and no DATA of this stream is parsed before that.
   */
  void start() {
    HttpFields fields = request.getHttpFields();
    long timeoutNanos = GrpcTimeout.parseNanos(fields.get("grpc-timeout"));
    if (timeoutNanos >= 0) {
      Scheduler.Task task = runtime.scheduler().schedule(this::deadlineExpired, timeoutNanos, TimeUnit.NANOSECONDS);
      try (AutoLock ignored = lock.lock()) {
        deadline = task;
      }
    }
    HttpFields forwarded = HopByHop.strip(fields);
    CallFilters filters = runtime.filters();
    if (filters == CallFilters.NONE) {
      route(forwarded, 1);
      return;
    }
    HttpFields.Mutable editable = HttpFields.build(forwarded);
    try {
      filters.onRequest(service, method, editable).whenComplete((verdict, failure) -> {
        if (failure != null) {
          answer(GrpcStatus.of(GrpcStatusCode.INTERNAL, "call filter failed: " + failure.getMessage()));
        } else if (verdict.rejection() != null) {
          answer(verdict.rejection());
        } else {
          filtered = verdict;
          route(editable, 1);
        }
      });
    } catch (RuntimeException failure) {
      answer(GrpcStatus.of(GrpcStatusCode.INTERNAL, "call filter failed: " + failure.getMessage()));
    }
  }

  private void route(HttpFields fields, int attempt) {
    if (isEnded()) {
      return;
    }
    Endpoint endpoint = runtime.router().pick(service);
    if (endpoint == null) {
      answer(runtime.router().noRoute(service));
      return;
    }
    runtime.upstreams().acquire(endpoint, new Promise<>() {
      @Override
      public void succeeded(UpstreamSession session) {
        open(endpoint, session, fields, attempt);
      }

      @Override
      public void failed(Throwable failure) {
        answer(GrpcStatus.of(GrpcStatusCode.UNAVAILABLE,
            "cannot reach " + service + " at " + endpoint.address() + ": " + describe(failure)));
      }
    });
  }

  private void open(Endpoint endpoint, UpstreamSession session, HttpFields fields, int attempt) {
    try (AutoLock ignored = lock.lock()) {
      if (ended) {
        session.release();
        return;
      }
      lease = session;
    }
    HttpURI uri = HttpURI.build(request.getHttpURI()).scheme("http");
    MetaData.Request upstreamRequest = new MetaData.Request("POST", uri, HttpVersion.HTTP_2, fields, -1);
    session.session().newStream(new HeadersFrame(upstreamRequest, null, requestEnded), new Promise<>() {
      @Override
      public void succeeded(Stream stream) {
        boolean cancel;
        try (AutoLock ignored = lock.lock()) {
          cancel = cancelled;
        }
        if (cancel) {
          stream.reset(new ResetFrame(stream.getId(), ErrorCode.CANCEL_STREAM_ERROR.code), Callback.NOOP);
        } else if (!requestEnded) {
          downstreamStream.demand();
        }
      }

      @Override
      public void failed(Throwable failure) {
        releaseLease();
        // A session that received GOAWAY between reservation and use refuses new streams: one more
        // try lands on a fresh session.
        if (attempt < MAX_OPEN_ATTEMPTS) {
          route(fields, attempt + 1);
        } else {
          answer(GrpcStatus.of(GrpcStatusCode.UNAVAILABLE,
              "cannot open a stream to " + endpoint.address() + ": " + describe(failure)));
        }
      }
    }, new Upstream());
  }

  // Downstream (client) stream events.

  @Override
  public void onDataAvailable(Stream stream) {
    FramePump pump = requestPump();
    if (pump == null || discardingRequest) {
      discardRequest();
    } else {
      pump.onDataAvailable();
    }
  }

  @Override
  public void onHeaders(Stream stream, HeadersFrame frame) {
    FramePump pump = requestPump();
    if (pump != null && frame.isEndStream()) {
      pump.onTrailers(frame);
    }
  }

  @Override
  public void onReset(Stream stream, ResetFrame frame, Callback callback) {
    end();
    cancelUpstream();
    callback.succeeded();
  }

  @Override
  public void onFailure(Stream stream, int error, String reason, Throwable failure, Callback callback) {
    LOG.debug("Client stream failed: {}", reason, failure);
    end();
    cancelUpstream();
    callback.succeeded();
  }

  @Override
  public void onClosed(Stream stream) {
    cancelDeadline();
    // The client is done with the call; a backend stream still open has nobody to talk to. One
    // that finished both ways is only waiting for the write of its END_STREAM to complete:
    // resetting it would send the backend an RST_STREAM for a stream it already closed, and
    // grpc-java counts those against the connection (rapid-reset protection).
    if (!upstreamFinished()) {
      cancelUpstream();
    }
  }

  private boolean upstreamFinished() {
    OutboundStream up;
    try (AutoLock ignored = lock.lock()) {
      up = upstream;
    }
    return up != null && up.stream().isRemotelyClosed() && (requestEnded || up.isEnded());
  }

  // How the call ends.

  /** Ends the call with a status of the gateway's own, and cancels the backend's stream. */
  void answer(GrpcStatus status) {
    Ending ending = end();
    if (ending == Ending.ALREADY_ENDED) {
      return;
    }
    HeadersFrame frame = ending == Ending.MID_RESPONSE
        ? GrpcFrames.trailers(downstream.id(), status)
        : GrpcFrames.trailersOnly(downstream.id(), status);
    endDownstream(frame);
    cancelUpstream();
    drainRequest();
  }

  private void forwardResponseEnd(HeadersFrame upstreamFrame) {
    if (end() == Ending.ALREADY_ENDED) {
      return;
    }
    endDownstream(new HeadersFrame(downstream.id(), upstreamFrame.getMetaData(), null, true));
    drainRequest();
  }

  private void forwardResponseHeaders(Stream upstreamStream, HeadersFrame frame) {
    if (isEnded()) {
      return;
    }
    MetaData.Response response = (MetaData.Response) frame.getMetaData();
    FilteredCall call = filtered;
    if (!call.observesResponse()) {
      writeResponseHeaders(upstreamStream, response);
      return;
    }
    HttpFields.Mutable fields = HttpFields.build(response.getHttpFields());
    int status = response.getStatus();
    call.onResponseHeaders(fields).whenComplete((edited, failure) ->
        writeResponseHeaders(upstreamStream, new MetaData.Response(status, null, HttpVersion.HTTP_2, fields)));
  }

  /**
   * The response is started only here, when its headers are written: a call that ends while the
   * filters still edit them is answered trailers-only, and the edited headers are dropped.
   */
  private void writeResponseHeaders(Stream upstreamStream, MetaData.Response response) {
    try (AutoLock ignored = lock.lock()) {
      if (ended) {
        return;
      }
      responseStarted = true;
    }
    downstream.headers(new HeadersFrame(downstream.id(), response, null, false), new Callback() {
      @Override
      public void succeeded() {
        upstreamStream.demand();
      }

      @Override
      public void failed(Throwable failure) {
        cancelUpstream();
      }

      @Override
      public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
      }
    });
  }

  /** The backend reset its stream or lost its connection. */
  private void upstreamFailed(GrpcStatus status, int resetCode) {
    Ending ending = end();
    if (ending == Ending.ALREADY_ENDED) {
      return;
    }
    if (ending == Ending.BEFORE_RESPONSE) {
      endDownstream(GrpcFrames.trailersOnly(downstream.id(), status));
    } else if (resetCode >= 0) {
      // Mid-response, the client maps the same RST_STREAM code to the status the spec gives it.
      downstream.reset(resetCode);
    } else {
      downstream.end(GrpcFrames.trailers(downstream.id(), status));
    }
    drainRequest();
  }

  /**
   * The response has ended while the client may still be sending. Its remaining request DATA is read
   * and dropped: Jetty closes a stream only once its END_STREAM has been read, and unread DATA would
   * also hold the client's flow-control window.
   */
  private void drainRequest() {
    discardingRequest = true;
    downstreamStream.demand();
  }

  private void discardRequest() {
    while (true) {
      Stream.Data data = downstreamStream.readData();
      if (data == null) {
        downstreamStream.demand();
        return;
      }
      boolean last = data.frame().isEndStream();
      data.release();
      if (last) {
        return;
      }
    }
  }

  /** Ends the client's stream with {@code frame}, once the filters' trailer hooks edited it. */
  private void endDownstream(HeadersFrame frame) {
    FilteredCall call = filtered;
    if (!call.observesResponse()) {
      downstream.end(frame);
      return;
    }
    MetaData metaData = frame.getMetaData();
    HttpFields.Mutable fields = HttpFields.build(metaData.getHttpFields());
    call.onTrailers(fields).whenComplete((edited, failure) -> {
      MetaData filteredMetaData = metaData instanceof MetaData.Response response
          ? new MetaData.Response(response.getStatus(), null, HttpVersion.HTTP_2, fields)
          : new MetaData(HttpVersion.HTTP_2, fields);
      downstream.end(new HeadersFrame(frame.getStreamId(), filteredMetaData, null, true));
    });
  }

  private void deadlineExpired() {
    answer(GrpcStatus.of(GrpcStatusCode.DEADLINE_EXCEEDED,
        "deadline exceeded (grpc-timeout " + request.getHttpFields().get("grpc-timeout") + ") waiting for " + service));
  }

  /**
   * Ends the call, once: the first path to get here (trailers, the gateway's own status, a failure
   * or reset) wins, and its deadline timer is cancelled. Says how far the response had come.
   */
  private Ending end() {
    boolean started;
    try (AutoLock ignored = lock.lock()) {
      if (ended) {
        return Ending.ALREADY_ENDED;
      }
      ended = true;
      started = responseStarted;
    }
    cancelDeadline();
    return started ? Ending.MID_RESPONSE : Ending.BEFORE_RESPONSE;
  }

  /** What {@link #end} found: ended by another path already, or before or after response headers. */
  private enum Ending {
    ALREADY_ENDED,
    BEFORE_RESPONSE,
    MID_RESPONSE
  }

  private void cancelUpstream() {
    OutboundStream up;
    try (AutoLock ignored = lock.lock()) {
      cancelled = true;
      up = upstream;
    }
    if (up != null) {
      up.reset(ErrorCode.CANCEL_STREAM_ERROR.code);
    }
  }

  private void cancelDeadline() {
    Scheduler.Task task;
    try (AutoLock ignored = lock.lock()) {
      task = deadline;
      deadline = null;
    }
    if (task != null) {
      task.cancel();
    }
  }

  private void releaseLease() {
    UpstreamSession session;
    try (AutoLock ignored = lock.lock()) {
      session = lease;
      lease = null;
    }
    if (session != null) {
      session.release();
    }
  }

  private boolean isEnded() {
    try (AutoLock ignored = lock.lock()) {
      return ended;
    }
  }

  private FramePump requestPump() {
    try (AutoLock ignored = lock.lock()) {
      return requestPump;
    }
  }

  private FramePump responsePump() {
    try (AutoLock ignored = lock.lock()) {
      return responsePump;
    }
  }

  private static String describe(Throwable failure) {
    String message = failure.getMessage();
    return message == null ? failure.getClass().getSimpleName() : message;
  }

  /** The backend's stream: response headers, DATA, trailers, resets. */
  private final class Upstream implements Stream.Listener {

    @Override
    public void onNewStream(Stream stream) {
      OutboundStream out = new OutboundStream(stream);
      FramePump requests = new FramePump(downstreamStream, out, new RequestEnds(out), false);
      FramePump responses = new FramePump(stream, downstream, new ResponseEnds(), true);
      try (AutoLock ignored = lock.lock()) {
        upstream = out;
        requestPump = requests;
        responsePump = responses;
      }
    }

    @Override
    public void onHeaders(Stream stream, HeadersFrame frame) {
      MetaData metaData = frame.getMetaData();
      if (!metaData.isResponse()) {
        responsePump().onTrailers(frame);
      } else if (frame.isEndStream()) {
        forwardResponseEnd(frame);
      } else {
        forwardResponseHeaders(stream, frame);
      }
    }

    @Override
    public void onDataAvailable(Stream stream) {
      responsePump().onDataAvailable();
    }

    @Override
    public void onReset(Stream stream, ResetFrame frame, Callback callback) {
      upstreamFailed(ResetStatus.of(frame.getError()), frame.getError());
      callback.succeeded();
    }

    @Override
    public void onFailure(Stream stream, int error, String reason, Throwable failure, Callback callback) {
      upstreamFailed(GrpcStatus.of(GrpcStatusCode.UNAVAILABLE,
          "connection to " + service + " backend lost: " + (reason != null ? reason : describe(failure))), -1);
      callback.succeeded();
    }

    @Override
    public void onClosed(Stream stream) {
      releaseLease();
      responsePump().onSourceClosed();
    }
  }

  /** Request side: client DATA to the backend; the end of the request is forwarded as is. */
  private final class RequestEnds implements FramePump.Ends {
    private final OutboundStream out;

    RequestEnds(OutboundStream out) {
      this.out = out;
    }

    @Override
    public void forwardTrailers(HeadersFrame trailers) {
      out.end(new HeadersFrame(out.id(), trailers.getMetaData(), null, true));
    }

    @Override
    public void sourceEndedWithoutTrailers() {
      // Requests end with END_STREAM DATA; the pump forwards it itself.
    }

    @Override
    public void sinkFailed(Throwable failure) {
      // The backend's stream is gone; its listener reports how, and that ends the call.
      LOG.debug("Request forwarding stopped", failure);
    }
  }

  /** Response side: backend DATA to the client, then the backend's trailers. */
  private final class ResponseEnds implements FramePump.Ends {

    @Override
    public void forwardTrailers(HeadersFrame trailers) {
      forwardResponseEnd(trailers);
    }

    @Override
    public void sourceEndedWithoutTrailers() {
      answer(GrpcStatus.of(GrpcStatusCode.INTERNAL, "the backend of " + service + " ended its response without trailers"));
    }

    @Override
    public void sinkFailed(Throwable failure) {
      LOG.debug("Response forwarding stopped", failure);
      cancelUpstream();
    }
  }
}

package io.opizontas.gateway.proxy;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.CallOutcome;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.metrics.CallSeries;
import io.opizontas.gateway.routing.RetryBudget;
import io.opizontas.gateway.routing.Router;
import io.opizontas.gateway.routing.ServiceRoute;
import io.opizontas.gateway.routing.TriedEndpoints;
import io.opizontas.gateway.upstream.UpstreamPool;
import io.opizontas.gateway.upstream.UpstreamSession;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.RetryableStreamException;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.hpack.HpackException;
import org.eclipse.jetty.io.CyclicTimeouts;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.HostPort;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.AutoLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One forwarded call: the client's stream and the backend's stream, the two {@link FramePump}s
 * between them, the call's deadline, and how it ends.
 *
 * <p>A call ends exactly once, by whichever comes first: the backend's trailers, a status the
 * gateway answers with (no route, backend unreachable or reset, deadline, filter rejection), or a
 * reset from either side. How the other side is then let go depends on how far it got: a backend
 * stream still open is cancelled with RST_STREAM(CANCEL); a client still sending after its response
 * ended gets RST_STREAM(NO_ERROR) once the trailers are out (RFC 9113 section 8.1); a stream that
 * finished both ways is left alone. Whatever stream is abandoned has the DATA queued on it released,
 * so its bytes return to the connection's flow-control window.
 *
 * <p>A try that never reached a backend (its connection refused or timed out, its stream not opened,
 * refused with REFUSED_STREAM or above a GOAWAY's last stream id, before the gateway read any of the
 * request) is made again on another endpoint, within {@code [balancing.retries]}: so many attempts
 * per call, and so many retrying calls per service ({@link RetryBudget}). Nothing of the request is
 * kept for a replay: once a request byte went towards a backend, the call is not retried.
 *
 * <p>This object is the client stream's listener; {@link Upstream} is the backend stream's, one per
 * attempt.
 */
final class ProxyCall implements Stream.Listener, CyclicTimeouts.Expirable {

  private static final Logger LOG = LoggerFactory.getLogger(ProxyCall.class);

  private final CallRuntime runtime;
  private final Stream clientStream;
  private final OutboundStream toClient;
  private final MetaData.Request request;
  private final String service;
  private final String method;
  private final boolean requestEnded;
  /** Where this call counts; resolved once, shared with every call of the method. */
  private final CallSeries series;
  /** System.nanoTime() when the request headers arrived: the start of the call's duration. */
  private final long startNanos = System.nanoTime();
  private final AutoLock lock = new AutoLock();
  private volatile FilteredCall filtered = FilteredCall.PROCEED;
  private volatile boolean discardingRequest;
  /** The backend's trailers ended the call: it answered, whatever the status (outlier ejection). */
  private volatile boolean backendAnswered;
  // Guarded by lock.
  private boolean responseStarted;
  private boolean ended;
  private boolean cancelled;
  private Upstream attempt;
  private OutboundStream toBackend;
  private FramePump requestPump;
  private ServiceRoute route;
  private TriedEndpoints tried;
  private boolean retrying;
  private Balancer pickedBalancer;
  private Endpoint pickedEndpoint;
  /** The endpoint of the last attempt, kept for the call's outcome. */
  private Endpoint lastEndpoint;
  /** The status the client gets: set when the call ends, revised by the trailer hooks. */
  private GrpcStatusCode endStatus;
  /** The call is over for the client (see {@link #callOver}): its outcome is complete. */
  private boolean over;
  /**
   * Message bytes forwarded each way, for the call's outcome: one writer per direction at a time
   * (Jetty reads a stream's DATA one demand at a time), read once the call is over.
   */
  private volatile long requestBytes;
  private volatile long responseBytes;
  /** System.nanoTime() at which the call's grpc-timeout runs out; meaningful when hasDeadline. */
  private volatile long deadlineNanos;
  private volatile boolean hasDeadline;

  ProxyCall(CallRuntime runtime, Stream stream, MetaData.Request request, String service, String method,
      boolean requestEnded) {
    this.runtime = runtime;
    this.clientStream = stream;
    this.toClient = new OutboundStream(stream);
    this.request = request;
    this.service = service;
    this.method = method;
    this.requestEnded = requestEnded;
    this.series = runtime.metrics().series(service, method);
  }

  /**
   * Starts the call from Jetty's onNewStream. Nothing here reads toClient data yet: Jetty installs
   * this listener only when onNewStream returns, and no DATA of this stream is parsed before that.
   */
  void start() {
    series.started();
    HttpFields fields = request.getHttpFields();
    long timeoutNanos = GrpcTimeout.parseNanos(fields.get("grpc-timeout"));
    if (timeoutNanos >= 0) {
      deadlineNanos = System.nanoTime() + timeoutNanos;
      hasDeadline = true;
      runtime.deadlines().watch(this);
    }
    int hops = GatewayHops.of(fields);
    if (hops >= runtime.maxHops()) {
      LOG.warn("Routing loop: a call to {} already passed {} gateways (server.max_hops = {}); answered FAILED_PRECONDITION",
          service, hops, runtime.maxHops());
      answer(GrpcStatus.of(GrpcStatusCode.FAILED_PRECONDITION, "routing loop: the call to " + service
          + " already passed through " + hops + " gateways (server.max_hops = " + runtime.maxHops() + ")"));
      return;
    }
    HttpFields.Mutable editable = HopByHop.forwardable(fields);
    GatewayHops.put(editable, hops + 1);
    CallFilters filters = runtime.filters();
    if (filters == CallFilters.NONE) {
      route(editable, false);
      return;
    }
    try {
      filters.onRequest(service, method, editable).whenComplete((verdict, failure) -> {
        if (failure != null) {
          answer(GrpcStatus.of(GrpcStatusCode.INTERNAL, "call filter failed: " + failure.getMessage()));
        } else {
          adopt(verdict);
          if (verdict.rejection() != null) {
            answer(verdict.rejection());
          } else {
            route(editable, false);
          }
        }
      });
    } catch (RuntimeException failure) {
      answer(GrpcStatus.of(GrpcStatusCode.INTERNAL, "call filter failed: " + failure.getMessage()));
    }
  }

  /**
   * Takes the chain's verdict. A verdict that wants the call's outcome gets it from {@link
   * #callOver}, or here when the call was over before the verdict came (the client cancelled or the
   * deadline passed while the filters ran): once either way.
   */
  private void adopt(FilteredCall verdict) {
    if (!verdict.observesEnd()) {
      filtered = verdict;
      return;
    }
    boolean overBefore;
    try (AutoLock ignored = lock.lock()) {
      filtered = verdict;
      overBefore = over;
    }
    if (overBefore) {
      verdict.onCallEnded(outcome());
    }
  }

  /**
   * The call is over for the client: its terminal frame was written (or failed to be), or a reset
   * went either way. The first of these hands the outcome to the verdict's end hooks. Not left to
   * onClosed alone: a call the filters answer at once can close its stream before Jetty installs
   * this listener, and then onClosed never comes.
   */
  private void callOver() {
    FilteredCall call;
    try (AutoLock ignored = lock.lock()) {
      if (over) {
        return;
      }
      over = true;
      call = filtered;
    }
    if (call.observesEnd()) {
      call.onCallEnded(outcome());
    }
  }

  /**
   * Picks an endpoint and starts an attempt on it.
   *
   * @param againAllowed whether a retry may go to an endpoint the call tried already when no other
   *     is left: yes after a refused stream (a new connection may take it), no after a refused
   *     connection
   */
  private void route(HttpFields.Mutable fields, boolean againAllowed) {
    ServiceRoute route = routeOf();
    if (route == null) {
      return;
    }
    Router router = runtime.router();
    Balancer balancer = route.balancer();
    Endpoint endpoint;
    try {
      endpoint = router.pick(service, route, RoutedCall.of(service, method, fields, filtered));
    } catch (Router.BalancerFailure failure) {
      answer(GrpcStatus.of(GrpcStatusCode.UNAVAILABLE, failure.getMessage()));
      return;
    }
    TriedEndpoints before = tried();
    if (endpoint == null) {
      answer(before == null ? router.noRoute(service) : cannotReach(before, "no endpoint is left"));
      return;
    }
    if (before != null && before.contains(endpoint)) {
      // The balancer chose a tried endpoint again (ring-hash does, for the same key): unless no
      // other is left and a new connection may take the call, its pick is over at once and the
      // retry takes the next untried endpoint, unknown to the balancer.
      Endpoint untried = router.untried(service, route, before, endpoint);
      if (untried != null || !againAllowed) {
        reportCallEnded(balancer, endpoint, GrpcStatusCode.CANCELLED);
        balancer = null;
        endpoint = untried;
      }
      if (endpoint == null) {
        answer(cannotReach(before, "no endpoint is left"));
        return;
      }
    }
    if (!picked(balancer, endpoint)) {
      // The call ended while it was being routed: the pick is over at once.
      reportCallEnded(balancer, endpoint, GrpcStatusCode.CANCELLED);
      return;
    }
    Endpoint target = endpoint;
    runtime.upstreams().acquire(service, target, new Promise<>() {
      @Override
      public void succeeded(UpstreamSession session) {
        open(target, session, fields);
      }

      @Override
      public void failed(Throwable failure) {
        if (failure instanceof UpstreamPool.RefusedPlaintext) {
          // Not the endpoint's doing: its pick ends without counting as its failure, and no
          // other endpoint of the service would be allowed either.
          endPick(GrpcStatusCode.FAILED_PRECONDITION);
          answer(GrpcStatus.of(GrpcStatusCode.UNAVAILABLE, failure.getMessage()));
        } else {
          retryOrFail(target, describe(failure), false, fields);
        }
      }
    });
  }

  /** The service's route, looked up and counted in its retry budget at the first attempt; null once ended. */
  private ServiceRoute routeOf() {
    try (AutoLock ignored = lock.lock()) {
      if (ended) {
        return null;
      }
      if (route == null) {
        route = runtime.router().route(service);
        route.budget().callStarted();
      }
      return route;
    }
  }

  private void open(Endpoint endpoint, UpstreamSession session, HttpFields.Mutable fields) {
    Upstream upstream = new Upstream(endpoint, session, fields);
    try (AutoLock ignored = lock.lock()) {
      if (ended) {
        session.release();
        return;
      }
      attempt = upstream;
    }
    HttpURI uri = HttpURI.build(request.getHttpURI()).scheme(session.scheme());
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
          clientStream.demand();
        }
      }

      @Override
      public void failed(Throwable failure) {
        upstream.releaseSlot();
        if (failure instanceof HpackException) {
          // The request's metadata does not fit the backend's MAX_HEADER_LIST_SIZE: another try
          // would fail alike, and a retryable status would invite the client to repeat it.
          answer(GrpcStatus.of(GrpcStatusCode.RESOURCE_EXHAUSTED,
              "the request metadata is larger than the backend of " + service + " accepts: " + describe(failure)));
          return;
        }
        // A session that received GOAWAY between reservation and use refuses new streams; the
        // stream never left the gateway, and a fresh session of the same endpoint may take it.
        if (detach(upstream)) {
          retryOrFail(endpoint, "stream not opened: " + describe(failure), true, fields);
        }
      }
    }, upstream);
  }

  /**
   * An attempt that never reached a backend failed: the call tries another endpoint if attempts,
   * endpoints and the service's retry budget are left, else it ends with UNAVAILABLE naming every
   * endpoint tried and why.
   */
  private void retryOrFail(Endpoint endpoint, String failure, boolean againAllowed, HttpFields.Mutable fields) {
    TriedEndpoints tries;
    try (AutoLock ignored = lock.lock()) {
      if (ended) {
        return;
      }
      if (tried == null) {
        tried = new TriedEndpoints();
      }
      tried.add(endpoint, failure);
      tries = tried;
    }
    // This attempt's pick is over; balancers counting load let go of it.
    endPick(GrpcStatusCode.UNAVAILABLE);
    Router router = runtime.router();
    if (tries.size() >= router.attempts()) {
      answer(cannotReach(tries, null));
    } else if (!againAllowed && router.untried(service, route, tries, endpoint) == null) {
      answer(cannotReach(tries, null));
    } else if (!retryGranted()) {
      answer(cannotReach(tries, "not retried: the retry budget of " + service + " is spent ("
          + route.budget().describe() + ")"));
    } else {
      runtime.metrics().retried(endpoint);
      route(fields, againAllowed);
    }
  }

  /** Whether this call may retry: it holds a place in the service's retry budget, or gets one now. */
  private boolean retryGranted() {
    try (AutoLock ignored = lock.lock()) {
      if (!ended && !retrying) {
        retrying = route.budget().tryRetry();
      }
      return retrying && !ended;
    }
  }

  private GrpcStatus cannotReach(TriedEndpoints tries, String why) {
    return GrpcStatus.of(GrpcStatusCode.UNAVAILABLE,
        "cannot reach " + service + ": " + tries.describe() + (why == null ? "" : "; " + why));
  }

  private TriedEndpoints tried() {
    try (AutoLock ignored = lock.lock()) {
      return tried;
    }
  }

  /**
   * Lets go of {@code upstream} as the call's current attempt, so the next one can take its place;
   * false when it is not current, or the call ended meanwhile.
   */
  private boolean detach(Upstream upstream) {
    try (AutoLock ignored = lock.lock()) {
      if (ended || attempt != upstream) {
        return false;
      }
      attempt = null;
      toBackend = null;
      requestPump = null;
      return true;
    }
  }

  // Downstream (client) stream events.

  @Override
  public void onDataAvailable(Stream stream) {
    FramePump pump = requestPump();
    if (discardingRequest) {
      discardRequest();
    } else if (pump != null) {
      pump.onDataAvailable();
    }
    // Else the next attempt's stream is not open yet; it demands the request DATA once it is.
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
    end(GrpcStatusCode.CANCELLED);
    callOver();
    cancelUpstream();
    callback.succeeded();
  }

  @Override
  public void onFailure(Stream stream, int error, String reason, Throwable failure, Callback callback) {
    LOG.debug("Client stream failed: {}", reason, failure);
    end(GrpcStatusCode.CANCELLED);
    callOver();
    cancelUpstream();
    callback.succeeded();
  }

  @Override
  public void onClosed(Stream stream) {
    callOver();
    cancelDeadline();
    // The client is done with the call; a backend stream still open has nobody to talk to. One
    // that finished both ways is only waiting for the write of its END_STREAM to complete:
    // resetting it would send the backend an RST_STREAM for a stream it already closed, and
    // grpc-java counts those against the connection (rapid-reset protection).
    if (!upstreamFinished()) {
      cancelUpstream();
    }
  }

  /**
   * Whether the client is still sending: its request END_STREAM was neither received with the
   * headers, nor forwarded to the backend, nor read.
   */
  private boolean clientStillSending() {
    if (requestEnded || clientStream.isRemotelyClosed()) {
      return false;
    }
    OutboundStream up = toBackend();
    return up == null || !up.isFinished();
  }

  private boolean upstreamFinished() {
    OutboundStream up = toBackend();
    return up != null && up.stream().isRemotelyClosed() && (requestEnded || up.isEnded());
  }

  // How the call ends.

  /** Ends the call with a status of the gateway's own, and cancels the backend's stream. */
  void answer(GrpcStatus status) {
    Ending ending = end(status.code());
    if (ending == Ending.ALREADY_ENDED) {
      return;
    }
    HeadersFrame frame = ending == Ending.MID_RESPONSE
        ? GrpcFrames.trailers(toClient.id(), status)
        : GrpcFrames.trailersOnly(toClient.id(), status);
    endClient(frame);
    cancelUpstream();
  }

  /** The backend's trailers: forwarded, then whatever of the request is still coming is let go. */
  private void forwardResponseEnd(HeadersFrame upstreamFrame) {
    backendAnswered = true;
    if (end(statusOf(upstreamFrame)) == Ending.ALREADY_ENDED) {
      return;
    }
    endClient(new HeadersFrame(toClient.id(), upstreamFrame.getMetaData(), null, true));
    // The backend answered before the whole request reached it: it wants no more of it.
    OutboundStream up = toBackend();
    if (up != null && !up.isEnded()) {
      up.reset(ErrorCode.CANCEL_STREAM_ERROR.code);
    }
  }

  /**
   * Sends the client its terminal frame, after the filters' trailer hooks edited it. A client still
   * sending then gets RST_STREAM(NO_ERROR), as RFC 9113 section 8.1 has servers do: it stops
   * uploading, and its stream slot is free at once. Until then, request DATA that arrives is read
   * and dropped.
   */
  private void endClient(HeadersFrame terminal) {
    discardingRequest = true;
    FilteredCall call = filtered;
    if (!call.observesResponse()) {
      writeClientEnd(terminal);
      return;
    }
    MetaData metaData = terminal.getMetaData();
    HttpFields.Mutable fields = HttpFields.build(metaData.getHttpFields());
    // The hooks' stage never fails; it completes once their edits are in the fields.
    call.onTrailers(fields).whenComplete((edited, failure) -> {
      GrpcStatusCode sent = statusOf(fields);
      try (AutoLock ignored = lock.lock()) {
        endStatus = sent;
      }
      MetaData trailers = metaData instanceof MetaData.Response response
          ? new MetaData.Response(response.getStatus(), null, HttpVersion.HTTP_2, fields)
          : new MetaData(HttpVersion.HTTP_2, fields);
      writeClientEnd(new HeadersFrame(terminal.getStreamId(), trailers, null, true));
    });
  }

  private void writeClientEnd(HeadersFrame terminal) {
    toClient.end(terminal, Callback.from(() -> {
      callOver();
      if (clientStillSending()) {
        clientStream.reset(new ResetFrame(clientStream.getId(), ErrorCode.NO_ERROR.code), Callback.NOOP);
      }
    }, failure -> {
      LOG.debug("Trailers to the client not written", failure);
      callOver();
    }));
    clientStream.demand();
  }

  private void forwardResponseHeaders(Stream upstreamStream, HeadersFrame frame) {
    // Marked started and reserved in one step: a status the gateway answers with meanwhile (a
    // deadline, say) becomes trailers that wait for these headers instead of overtaking them.
    try (AutoLock ignored = lock.lock()) {
      if (ended || !toClient.reserve()) {
        return;
      }
      responseStarted = true;
    }
    MetaData.Response response = (MetaData.Response) frame.getMetaData();
    FilteredCall call = filtered;
    if (!call.observesResponse()) {
      writeResponseHeaders(upstreamStream, response);
      return;
    }
    HttpFields.Mutable fields = HttpFields.build(response.getHttpFields());
    int status = response.getStatus();
    // The client stream stays reserved meanwhile: whatever ends the call waits for these headers.
    call.onResponseHeaders(fields).whenComplete((edited, failure) ->
        writeResponseHeaders(upstreamStream, new MetaData.Response(status, null, HttpVersion.HTTP_2, fields)));
  }

  private void writeResponseHeaders(Stream upstreamStream, MetaData.Response response) {
    toClient.headers(new HeadersFrame(toClient.id(), response, null, false), new Callback() {
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
    Ending ending = end(status.code());
    if (ending == Ending.ALREADY_ENDED) {
      return;
    }
    if (ending == Ending.BEFORE_RESPONSE) {
      endClient(GrpcFrames.trailersOnly(toClient.id(), status));
    } else if (resetCode >= 0) {
      // Mid-response, the client maps the same RST_STREAM code to the status the spec gives it.
      discardingRequest = true;
      toClient.reset(resetCode);
      callOver();
    } else {
      endClient(GrpcFrames.trailers(toClient.id(), status));
    }
    // The backend stream is gone, but response DATA it received may still wait to be read.
    OutboundStream up = toBackend();
    if (up != null) {
      up.discardReceived();
    }
  }

  /**
   * Reads and drops request DATA once the response has ended: unread DATA would hold the client's
   * flow-control window, and Jetty closes a stream only once its END_STREAM has been read.
   */
  private void discardRequest() {
    while (true) {
      Stream.Data data = clientStream.readData();
      if (data == null) {
        clientStream.demand();
        return;
      }
      boolean last = data.frame().isEndStream();
      data.release();
      if (last) {
        return;
      }
    }
  }

  private boolean deadlinePassed() {
    return hasDeadline && System.nanoTime() - deadlineNanos >= 0;
  }

  @Override
  public long getExpireNanoTime() {
    return hasDeadline ? deadlineNanos : Long.MAX_VALUE;
  }

  void deadlineExpired() {
    answer(GrpcStatus.of(GrpcStatusCode.DEADLINE_EXCEEDED,
        "deadline exceeded (grpc-timeout " + request.getHttpFields().get("grpc-timeout") + ") waiting for " + service));
  }

  /**
   * Ends the call, once: the first path to get here (trailers, the gateway's own status, a failure
   * or reset) wins, its deadline timer is cancelled and its balancer learns the outcome. Says how
   * far the response had come.
   */
  private Ending end(GrpcStatusCode status) {
    boolean started;
    RetryBudget budget;
    boolean retried;
    try (AutoLock ignored = lock.lock()) {
      if (ended) {
        return Ending.ALREADY_ENDED;
      }
      ended = true;
      endStatus = status;
      started = responseStarted;
      budget = route == null ? null : route.budget();
      retried = retrying;
    }
    series.finished(status, System.nanoTime() - startNanos);
    cancelDeadline();
    endPick(status);
    if (budget != null) {
      budget.callEnded(retried);
    }
    return started ? Ending.MID_RESPONSE : Ending.BEFORE_RESPONSE;
  }

  /**
   * Remembers the pick of a call still running; false when the call has ended meanwhile.
   *
   * @param balancer the balancer to tell when the pick is over; null for a retry's own choice
   */
  private boolean picked(Balancer balancer, Endpoint endpoint) {
    try (AutoLock ignored = lock.lock()) {
      if (ended) {
        return false;
      }
      pickedBalancer = balancer;
      pickedEndpoint = endpoint;
      lastEndpoint = endpoint;
      return true;
    }
  }

  /** Tells the balancer its pick is over, once per pick. */
  private void endPick(GrpcStatusCode status) {
    Balancer balancer;
    Endpoint endpoint;
    try (AutoLock ignored = lock.lock()) {
      balancer = pickedBalancer;
      endpoint = pickedEndpoint;
      pickedBalancer = null;
      pickedEndpoint = null;
    }
    if (endpoint != null) {
      reportCallEnded(balancer, endpoint, status);
    }
  }

  /**
   * Tells outlier ejection, and the balancer that picked {@code endpoint} (null for a retry's own
   * choice), that a call on it ended.
   */
  private void reportCallEnded(Balancer balancer, Endpoint endpoint, GrpcStatusCode status) {
    runtime.router().callEnded(service, endpoint, status, backendAnswered);
    if (balancer == null) {
      return;
    }
    try {
      balancer.onCallEnded(endpoint, status);
    } catch (RuntimeException | LinkageError e) {
      LOG.debug("A balancer failed in onCallEnded", e);
    }
  }

  /**
   * How the call ended, once it is over for the client: for the filters' end hooks. An attempt
   * replaced by a retry forwarded no bytes, so the counts are the last attempt's.
   */
  private CallOutcome outcome() {
    long nanos = System.nanoTime() - startNanos;
    GrpcStatusCode status;
    Endpoint endpoint;
    try (AutoLock ignored = lock.lock()) {
      status = endStatus;
      endpoint = lastEndpoint;
    }
    // The call ends (and gets its status) before it is over for the client; should Jetty ever close
    // a stream without a word, the client got no status: a cancelled call.
    return new CallOutcome(status == null ? GrpcStatusCode.CANCELLED : status, endpoint,
        peer(clientStream.getSession().getRemoteSocketAddress()), nanos, requestBytes, responseBytes);
  }

  /** {@code host:port} of the client, IPv6 in brackets; "" when unknown. */
  private static String peer(SocketAddress address) {
    if (!(address instanceof InetSocketAddress inet)) {
      return address == null ? "" : address.toString();
    }
    String host = inet.getAddress() == null ? inet.getHostString() : inet.getAddress().getHostAddress();
    return HostPort.normalizeHost(host) + ":" + inet.getPort();
  }

  /** The grpc-status of the backend's trailers; UNKNOWN when they carry none, as gRPC clients read it. */
  private static GrpcStatusCode statusOf(HeadersFrame trailers) {
    return statusOf(trailers.getMetaData().getHttpFields());
  }

  private static GrpcStatusCode statusOf(HttpFields trailers) {
    String value = trailers.get("grpc-status");
    try {
      return value == null ? GrpcStatusCode.UNKNOWN : GrpcStatusCode.fromValue(Integer.parseInt(value.trim()));
    } catch (IllegalArgumentException e) {
      return GrpcStatusCode.UNKNOWN;
    }
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
      up = toBackend;
    }
    if (up != null) {
      up.reset(ErrorCode.CANCEL_STREAM_ERROR.code);
    }
  }

  private void cancelDeadline() {
    if (hasDeadline) {
      runtime.deadlines().forget(this);
    }
  }

  private boolean isEnded() {
    try (AutoLock ignored = lock.lock()) {
      return ended;
    }
  }

  private OutboundStream toBackend() {
    try (AutoLock ignored = lock.lock()) {
      return toBackend;
    }
  }

  private FramePump requestPump() {
    try (AutoLock ignored = lock.lock()) {
      return requestPump;
    }
  }

  private static String describe(Throwable failure) {
    String message = failure.getMessage();
    return message == null ? failure.getClass().getSimpleName() : message;
  }

  /**
   * One attempt's backend stream: response headers, DATA, trailers, resets. Once a retry replaced
   * it, it only gives back its session slot.
   */
  private final class Upstream implements Stream.Listener {
    private final Endpoint endpoint;
    private final UpstreamSession slot;
    private final HttpFields.Mutable fields;
    private final AtomicBoolean slotHeld = new AtomicBoolean(true);
    private volatile FramePump requests;
    private volatile FramePump responses;

    Upstream(Endpoint endpoint, UpstreamSession slot, HttpFields.Mutable fields) {
      this.endpoint = endpoint;
      this.slot = slot;
      this.fields = fields;
    }

    void releaseSlot() {
      if (slotHeld.compareAndSet(true, false)) {
        slot.release();
      }
    }

    private boolean isCurrent() {
      try (AutoLock ignored = lock.lock()) {
        return attempt == this;
      }
    }

    @Override
    public void onNewStream(Stream stream) {
      OutboundStream out = new OutboundStream(stream);
      requests = new FramePump(clientStream, out, new RequestEnds(out), false);
      responses = new FramePump(stream, toClient, new ResponseEnds(), true);
      try (AutoLock ignored = lock.lock()) {
        if (attempt == this) {
          toBackend = out;
          requestPump = requests;
        }
      }
    }

    @Override
    public void onHeaders(Stream stream, HeadersFrame frame) {
      if (!isCurrent()) {
        return;
      }
      MetaData metaData = frame.getMetaData();
      if (!metaData.isResponse()) {
        responses.onTrailers(frame);
      } else if (frame.isEndStream()) {
        forwardResponseEnd(frame);
      } else {
        forwardResponseHeaders(stream, frame);
      }
    }

    @Override
    public void onDataAvailable(Stream stream) {
      responses.onDataAvailable();
    }

    @Override
    public void onReset(Stream stream, ResetFrame frame, Callback callback) {
      int error = frame.getError();
      if (!isCurrent()) {
        LOG.debug("A replaced attempt's stream was reset with {}", error);
      } else if (error == ErrorCode.REFUSED_STREAM_ERROR.code && unprocessed()) {
        // RFC 9113 section 8.7: the backend did no processing of the stream, and it saw none of
        // the request but its headers.
        retryOrFail(endpoint, "stream refused (REFUSED_STREAM)", true, fields);
      } else if (error == ErrorCode.NO_ERROR.code && responses.trailersReceived()) {
        // A complete response, then RST_STREAM(NO_ERROR) while the request was still coming (RFC
        // 9113 section 8.1, as grpc-go ends such calls): the backend wants no more of the request.
        // Jetty keeps the response DATA already received, so the pump still forwards it and the
        // trailers after it.
        discardingRequest = true;
        clientStream.demand();
      } else if (error == ErrorCode.CANCEL_STREAM_ERROR.code && deadlinePassed()) {
        // The backend got the same grpc-timeout and cancelled at its end of it, a moment before
        // the gateway's own timer ran: the call ended by its deadline, not by a cancellation.
        deadlineExpired();
      } else {
        upstreamFailed(ResetStatus.of(error), error);
      }
      callback.succeeded();
    }

    @Override
    public void onFailure(Stream stream, int error, String reason, Throwable failure, Callback callback) {
      String why = reason != null ? reason : describe(failure);
      if (!isCurrent()) {
        LOG.debug("A replaced attempt's stream failed: {}", why);
      } else if (failure instanceof RetryableStreamException && unprocessed()) {
        // Above the last stream id of the backend's GOAWAY: the backend never processed it.
        retryOrFail(endpoint, "stream above the last of the backend's GOAWAY", true, fields);
      } else if (failure instanceof HpackException.StreamException) {
        // Response headers HTTP/2 forbids (RFC 9113 section 8.2.1), such as a value ending in a
        // space, fail only this stream: the backend is reachable, its answer is not forwardable.
        upstreamFailed(GrpcStatus.of(GrpcStatusCode.INTERNAL, "the backend of " + service
            + " sent response metadata that HTTP/2 does not allow to be forwarded: " + why), -1);
      } else {
        upstreamFailed(GrpcStatus.of(GrpcStatusCode.UNAVAILABLE, "connection to " + service + " backend lost: " + why), -1);
      }
      callback.succeeded();
    }

    /**
     * Whether this attempt may be retried: no response came and the gateway read none of the
     * request body for it, so nothing would be replayed. Then it stops being the call's attempt.
     */
    private boolean unprocessed() {
      try (AutoLock ignored = lock.lock()) {
        if (responseStarted) {
          return false;
        }
      }
      return (requests == null || requests.retireUnread()) && detach(this);
    }

    @Override
    public void onClosed(Stream stream) {
      releaseSlot();
      responses.onSourceClosed();
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

    @Override
    public void forwarding(int bytes) {
      requestBytes += bytes;
      series.requestBytes(bytes);
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

    @Override
    public void forwarding(int bytes) {
      responseBytes += bytes;
      series.responseBytes(bytes);
    }
  }
}

package io.opizontas.gateway.proxy;

import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.metrics.CallMetrics;
import io.opizontas.gateway.routing.Router;
import io.opizontas.gateway.tls.ClientCertificates;
import io.opizontas.gateway.upstream.UpstreamPool;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.server.internal.HTTP2ServerSession;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts client streams on the gateway's HTTP/2 listener: a gRPC call becomes a {@link ProxyCall};
 * anything else gets a plain HTTP error (405 for a method other than POST, 415 for a content type
 * other than {@code application/grpc*}) and never reaches a backend.
 */
public final class GrpcCallAcceptor implements HTTP2ServerSession.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(GrpcCallAcceptor.class);
  private static final long MALFORMED_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
  private final AtomicLong lastMalformedLog = new AtomicLong(System.nanoTime() - MALFORMED_LOG_INTERVAL_NANOS);

  /** RFC 9113 §6.5.2 counts each header field as its name, its value and 32 bytes of overhead. */
  private static final int FIELD_OVERHEAD = 32;

  /** Read once per call: a call keeps the routing and chain it started with when a reload swaps them. */
  private volatile CallRuntime runtime;
  private final int maxHeaderListSize;
  /** Stamps calls to the registration API with the client's certificate; null when none are. */
  private final ClientCertificates certificates;

  /**
   * {@code maxHeaderListSize} is enforced here, per call: Jetty's decoder accepts larger blocks
   * (see ServerConfig.headerDecodeLimit) so that an oversized request costs only its own call.
   * {@code maxHops} is how many gateways a call may already have passed.
   */
  public GrpcCallAcceptor(Router router, UpstreamPool upstreams, CallFilters filters, Scheduler scheduler,
      int maxHeaderListSize, int maxHops) {
    this(router, upstreams, filters, scheduler, maxHeaderListSize, maxHops, null);
  }

  /** An acceptor that hands client certificates on as {@code certificates} says (may be null). */
  public GrpcCallAcceptor(Router router, UpstreamPool upstreams, CallFilters filters, Scheduler scheduler,
      int maxHeaderListSize, int maxHops, ClientCertificates certificates) {
    this(router, upstreams, filters, scheduler, maxHeaderListSize, maxHops, certificates, CallMetrics.NONE);
  }

  /** An acceptor whose calls count into {@code metrics}. */
  public GrpcCallAcceptor(Router router, UpstreamPool upstreams, CallFilters filters, Scheduler scheduler,
      int maxHeaderListSize, int maxHops, ClientCertificates certificates, CallMetrics metrics) {
    this.runtime = new CallRuntime(router, upstreams, filters, new CallDeadlines(scheduler), maxHops, metrics);
    this.maxHeaderListSize = maxHeaderListSize;
    this.certificates = certificates;
  }

  /**
   * Routes and filters calls that start from now on with {@code router} and {@code filters} (a
   * configuration reload); calls already running keep the ones they started with.
   */
  public void reroute(Router router, CallFilters filters) {
    CallRuntime now = runtime;
    runtime = new CallRuntime(router, now.upstreams(), filters, now.deadlines(), now.maxHops(), now.metrics());
  }

  @Override
  public Stream.Listener onNewStream(Stream stream, HeadersFrame frame) {
    MetaData.Request request = (MetaData.Request) frame.getMetaData();
    int headerListSize = headerListSize(request);
    if (headerListSize > maxHeaderListSize) {
      stream.headers(GrpcFrames.trailersOnly(stream.getId(), GrpcStatus.of(GrpcStatusCode.RESOURCE_EXHAUSTED,
          "request metadata of " + headerListSize + " bytes exceeds the gateway's limit of " + maxHeaderListSize
              + " (server.max_header_list_size)")), Callback.NOOP);
      return null;
    }
    if (!"POST".equals(request.getMethod())) {
      rejectHttp(stream, HttpStatus.METHOD_NOT_ALLOWED_405, "gRPC calls use POST\n");
      return null;
    }
    String contentType = request.getHttpFields().get("content-type");
    if (contentType == null || !contentType.startsWith(GrpcFrames.CONTENT_TYPE)) {
      rejectHttp(stream, HttpStatus.UNSUPPORTED_MEDIA_TYPE_415, "content-type must be application/grpc\n");
      return null;
    }
    String path = request.getHttpURI().getPath();
    int slash = path == null ? -1 : path.indexOf('/', 1);
    if (path == null || path.length() < 4 || path.charAt(0) != '/' || slash < 2 || slash == path.length() - 1) {
      stream.headers(GrpcFrames.trailersOnly(stream.getId(),
          GrpcStatus.of(GrpcStatusCode.UNIMPLEMENTED, "malformed method name: " + path)), Callback.NOOP);
      return null;
    }
    String service = path.substring(1, slash);
    if (certificates != null) {
      request = certificates.stamp(service, stream, request);
    }
    ProxyCall call = new ProxyCall(runtime, stream, request, service, path.substring(slash + 1),
        frame.isEndStream());
    call.start();
    return call;
  }

  /**
   * A request whose headers Jetty could not accept: HTTP/2 forbids them (a metadata value that
   * starts or ends with a space, control characters, an upper-case name: RFC 9113 section 8.2.1) and
   * an intermediary must not forward them. Jetty leaves the answer to us; without one the call would
   * hang. The client gets INTERNAL, the status gRPC gives a malformed request, with the reason.
   */
  @Override
  public void onStreamFailure(Stream stream, Throwable failure, Callback callback) {
    String reason = failure.getMessage();
    long now = System.nanoTime();
    long last = lastMalformedLog.get();
    if (now - last >= MALFORMED_LOG_INTERVAL_NANOS && lastMalformedLog.compareAndSet(last, now)) {
      LOG.warn("Refused a malformed request from {} (at most one such line per 10 s): {}",
          stream.getSession().getRemoteSocketAddress(), reason);
    } else {
      LOG.debug("Refused a malformed request: {}", reason);
    }
    stream.headers(GrpcFrames.trailersOnly(stream.getId(), GrpcStatus.of(GrpcStatusCode.INTERNAL,
        "malformed request metadata, which HTTP/2 does not allow a proxy to forward: " + reason)), callback);
  }

  /** The request's header list size as RFC 9113 counts it, pseudo-headers included. */
  private static int headerListSize(MetaData.Request request) {
    HttpURI uri = request.getHttpURI();
    long size = fieldSize(":method", request.getMethod()) + fieldSize(":scheme", uri.getScheme())
        + fieldSize(":authority", uri.getAuthority()) + fieldSize(":path", uri.getPathQuery());
    for (HttpField field : request.getHttpFields()) {
      size += fieldSize(field.getName(), field.getValue());
    }
    return (int) Math.min(Integer.MAX_VALUE, size);
  }

  private static long fieldSize(String name, String value) {
    return name.length() + (value == null ? 0 : value.length()) + FIELD_OVERHEAD;
  }

  private static void rejectHttp(Stream stream, int status, String message) {
    HttpFields fields = HttpFields.build(2)
        .put("content-type", "text/plain; charset=utf-8");
    HeadersFrame headers = new HeadersFrame(stream.getId(),
        new MetaData.Response(status, null, HttpVersion.HTTP_2, fields), null, false);
    DataFrame body = new DataFrame(stream.getId(),
        BufferUtil.toBuffer(message.getBytes(StandardCharsets.UTF_8)), true);
    // Two writes, one after the other: Jetty's flusher may reorder the frames of one FrameList when
    // the connection's send window stalls (see docs/benchmarks.md).
    stream.headers(headers, Callback.from(() -> stream.data(body, Callback.NOOP)));
  }
}

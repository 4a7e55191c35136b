package io.opizontas.gateway.proxy;

import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.routing.Router;
import io.opizontas.gateway.upstream.UpstreamPool;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Accepts client streams on the gateway's HTTP/2 listener: a gRPC call becomes a {@link ProxyCall};
 * anything else gets a plain HTTP error (405 for a method other than POST, 415 for a content type
 * other than {@code application/grpc*}) and never reaches a backend.
 */
public final class GrpcCallAcceptor implements ServerSessionListener {

  private final CallRuntime runtime;

  public GrpcCallAcceptor(Router router, UpstreamPool upstreams, CallFilters filters, Scheduler scheduler) {
    this.runtime = new CallRuntime(router, upstreams, filters, scheduler);
  }

  @Override
  public Stream.Listener onNewStream(Stream stream, HeadersFrame frame) {
    MetaData.Request request = (MetaData.Request) frame.getMetaData();
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
    ProxyCall call = new ProxyCall(runtime, stream, request, path.substring(1, slash), path.substring(slash + 1),
        frame.isEndStream());
    call.start();
    return call;
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

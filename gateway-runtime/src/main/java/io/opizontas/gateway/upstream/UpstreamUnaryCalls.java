package io.opizontas.gateway.upstream;

import io.opizontas.gateway.api.Durations;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.EndpointCalls;
import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.GrpcStatusCode;
import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Unary gRPC calls made by the gateway itself (health probes) over the {@link UpstreamPool}'s
 * sessions, so they reach an endpoint exactly as routed calls do. Off the data path: messages are
 * small and copied into arrays.
 */
public final class UpstreamUnaryCalls implements EndpointCalls {

  /** Health answers are a few bytes; anything much larger is not what a caller of this expects. */
  private static final int MAX_RESPONSE_BYTES = 1024 * 1024;

  private final UpstreamPool pool;
  private final Scheduler scheduler;

  public UpstreamUnaryCalls(UpstreamPool pool, Scheduler scheduler) {
    this.pool = pool;
    this.scheduler = scheduler;
  }

  @Override
  public CompletionStage<Response> unary(String service, Endpoint endpoint, String method, byte[] request,
      Duration deadline) {
    Call call = new Call(endpoint, method, request);
    Scheduler.Task timer = scheduler.schedule(() -> call.expire(deadline), deadline.toNanos(), TimeUnit.NANOSECONDS);
    call.result.whenComplete((response, failure) -> timer.cancel());
    pool.acquire(service, endpoint, new Promise<>() {
      @Override
      public void succeeded(UpstreamSession session) {
        call.open(session, deadline);
      }

      @Override
      public void failed(Throwable failure) {
        call.end(GrpcStatusCode.UNAVAILABLE, "cannot reach " + endpoint.address() + ": " + failure.getMessage());
      }
    });
    return call.result;
  }

  /** One call: its stream, the response bytes so far, and its one result. */
  private static final class Call {
    private final Endpoint endpoint;
    private final String method;
    private final byte[] request;
    private final CompletableFuture<Response> result = new CompletableFuture<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private volatile Stream stream;

    Call(Endpoint endpoint, String method, byte[] request) {
      this.endpoint = endpoint;
      this.method = method;
      this.request = request;
    }

    void open(UpstreamSession session, Duration deadline) {
      if (result.isDone()) {
        session.release();
        return;
      }
      HttpFields.Mutable fields = HttpFields.build(4)
          .put("content-type", "application/grpc")
          .put("te", "trailers")
          .put("grpc-timeout", Math.max(1, deadline.toMillis()) + "m");
      HttpURI uri = HttpURI.build().scheme("http").host(endpoint.host()).port(endpoint.port()).path("/" + method);
      MetaData.Request headers = new MetaData.Request("POST", uri, HttpVersion.HTTP_2, fields, -1);
      session.session().newStream(new HeadersFrame(headers, null, false), new Promise<>() {
        @Override
        public void succeeded(Stream opened) {
          stream = opened;
          if (result.isDone()) {
            opened.reset(new ResetFrame(opened.getId(), ErrorCode.CANCEL_STREAM_ERROR.code), Callback.NOOP);
            return;
          }
          ByteBuffer message = ByteBuffer.allocate(5 + request.length);
          message.put((byte) 0).putInt(request.length).put(request).flip();
          opened.data(new DataFrame(opened.getId(), message, true), Callback.NOOP);
        }

        @Override
        public void failed(Throwable failure) {
          session.release();
          end(GrpcStatusCode.UNAVAILABLE, "cannot open a stream to " + endpoint.address() + ": " + failure.getMessage());
        }
      }, new Stream.Listener() {
        @Override
        public void onHeaders(Stream s, HeadersFrame frame) {
          Call.this.onHeaders(s, frame);
        }

        @Override
        public void onDataAvailable(Stream s) {
          Call.this.onDataAvailable(s);
        }

        @Override
        public void onReset(Stream s, ResetFrame frame, Callback callback) {
          end(GrpcStatusCode.UNAVAILABLE, "the backend reset the stream with error " + frame.getError());
          callback.succeeded();
        }

        @Override
        public void onFailure(Stream s, int error, String reason, Throwable failure, Callback callback) {
          end(GrpcStatusCode.UNAVAILABLE, "connection to " + endpoint.address() + " lost: " + reason);
          callback.succeeded();
        }

        @Override
        public void onClosed(Stream s) {
          session.release();
        }
      });
    }

    synchronized void onHeaders(Stream s, HeadersFrame frame) {
      if (frame.isEndStream()) {
        // Trailers reach onHeaders as soon as they arrive, even while DATA sent before them still
        // waits to be read: take that DATA first.
        if (readAvailable(s, true)) {
          trailers(frame.getMetaData().getHttpFields());
        }
      } else {
        s.demand();
      }
    }

    synchronized void onDataAvailable(Stream s) {
      if (readAvailable(s, false)) {
        s.demand();
      }
    }

    /**
     * Reads the DATA queued on {@code s}; false when that ended the call. {@code atTrailers}: the
     * stream has ended with trailers, and Jetty answers a read after END_STREAM with an empty end
     * marker, which is not a response without trailers.
     */
    private boolean readAvailable(Stream s, boolean atTrailers) {
      while (true) {
        Stream.Data data = s.readData();
        if (data == null) {
          return true;
        }
        ByteBuffer buffer = data.frame().getByteBuffer();
        if (atTrailers && data.frame().isEndStream() && !buffer.hasRemaining()) {
          data.release();
          return true;
        }
        if (body.size() + buffer.remaining() > MAX_RESPONSE_BYTES + 5) {
          data.release();
          cancel(GrpcStatusCode.RESOURCE_EXHAUSTED, "response larger than " + MAX_RESPONSE_BYTES + " bytes");
          return false;
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        body.write(bytes, 0, bytes.length);
        boolean last = data.frame().isEndStream();
        data.release();
        if (last) {
          end(GrpcStatusCode.INTERNAL, "the backend ended its response without trailers");
          return false;
        }
      }
    }

    private void trailers(HttpFields fields) {
      String status = fields.get("grpc-status");
      GrpcStatusCode code;
      try {
        code = status == null ? GrpcStatusCode.UNKNOWN : GrpcStatusCode.fromValue(Integer.parseInt(status.trim()));
      } catch (IllegalArgumentException e) {
        code = GrpcStatusCode.UNKNOWN;
      }
      String message = fields.get("grpc-message");
      message = message == null ? (status == null ? "no grpc-status in the response" : "")
          : URLDecoder.decode(message.replace("+", "%2B"), StandardCharsets.UTF_8);
      byte[] framed = body.toByteArray();
      byte[] payload = framed.length >= 5 ? java.util.Arrays.copyOfRange(framed, 5, framed.length) : new byte[0];
      result.complete(new Response(GrpcStatus.of(code, message), payload));
    }

    void expire(Duration deadline) {
      cancel(GrpcStatusCode.DEADLINE_EXCEEDED, "no answer from " + endpoint.address() + " within " + Durations.format(deadline));
    }

    private void cancel(GrpcStatusCode code, String message) {
      if (end(code, message)) {
        Stream open = stream;
        if (open != null) {
          open.reset(new ResetFrame(open.getId(), ErrorCode.CANCEL_STREAM_ERROR.code), Callback.NOOP);
        }
      }
    }

    boolean end(GrpcStatusCode code, String message) {
      return result.complete(new Response(GrpcStatus.of(code, message), null));
    }
  }
}

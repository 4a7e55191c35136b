package io.opizontas.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;

/**
 * A frame-level HTTP/2 client for tests that a gRPC library will not let us write: requests with a
 * hand-made {@code grpc-timeout}, wrong content types, GET.
 */
public final class RawH2Client implements AutoCloseable {

  private final HTTP2Client client = new HTTP2Client();
  private final Session session;
  private final CompletableFuture<Map<Integer, Integer>> settings = new CompletableFuture<>();
  private final CompletableFuture<GoAwayFrame> goAway = new CompletableFuture<>();

  public RawH2Client(InetSocketAddress address) throws Exception {
    client.start();
    session = client.connect(address, new Session.Listener() {
      @Override
      public void onSettings(Session session, SettingsFrame frame) {
        if (!frame.isReply()) {
          settings.complete(frame.getSettings());
        }
      }

      @Override
      public void onGoAway(Session session, GoAwayFrame frame) {
        goAway.complete(frame);
      }
    }).get(5, TimeUnit.SECONDS);
  }

  /** The server's GOAWAY, once it came. */
  public CompletableFuture<GoAwayFrame> goAway() {
    return goAway;
  }

  /** The SETTINGS the server sent first. */
  public Map<Integer, Integer> serverSettings() throws Exception {
    return settings.get(5, TimeUnit.SECONDS);
  }

  /** The HTTP/2 session, to drive a stream frame by frame. */
  public Session session() {
    return session;
  }

  /**
   * Sends header blocks of up to {@code bytes} whatever MAX_HEADER_LIST_SIZE the server announced,
   * as C-core clients do (the setting is advisory, RFC 9113 §6.5.2).
   */
  public void ignoreServerHeaderListLimit(int bytes) throws Exception {
    serverSettings();
    ((HTTP2Session) session).getGenerator().getHpackEncoder().setMaxHeaderListSize(bytes);
  }

  /** One request: headers, then {@code body} (if not null) with END_STREAM. */
  public Response exchange(String method, String path, HttpFields headers, byte[] body) throws Exception {
    return exchange(method, path, headers, body, Duration.ofSeconds(10));
  }

  /** One request as above, whose response may take up to {@code timeout}. */
  public Response exchange(String method, String path, HttpFields headers, byte[] body, Duration timeout)
      throws Exception {
    MetaData.Request request = new MetaData.Request(method, HttpURI.build("http://localhost" + path),
        HttpVersion.HTTP_2, headers, -1);
    CompletableFuture<Response> done = new CompletableFuture<>();
    ResponseCollector collector = new ResponseCollector(done);
    Stream stream = session.newStream(new HeadersFrame(request, null, body == null), collector)
        .get(5, TimeUnit.SECONDS);
    if (body != null) {
      stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap(body), true)).get(5, TimeUnit.SECONDS);
    }
    return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws Exception {
    client.stop();
  }

  /**
   * What came back.
   *
   * @param headersFrames 1 for a trailers-only response, 2 for headers + trailers
   * @param resetCode     the RST_STREAM error code, or -1
   */
  public record Response(int status, HttpFields headers, byte[] body, HttpFields trailers, int headersFrames,
      int resetCode) {}

  private static final class ResponseCollector implements Stream.Listener {
    private final CompletableFuture<Response> done;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private int status;
    private HttpFields headers;
    private HttpFields trailers;
    private int frames;

    ResponseCollector(CompletableFuture<Response> done) {
      this.done = done;
    }

    @Override
    public void onHeaders(Stream stream, HeadersFrame frame) {
      frames++;
      if (frame.getMetaData() instanceof MetaData.Response response) {
        status = response.getStatus();
        headers = response.getHttpFields();
      } else {
        trailers = frame.getMetaData().getHttpFields();
      }
      if (frame.isEndStream()) {
        if (trailers == null) {
          trailers = headers;
        }
        finish();
      } else {
        stream.demand();
      }
    }

    @Override
    public void onDataAvailable(Stream stream) {
      Stream.Data data = stream.readData();
      if (data == null) {
        stream.demand();
        return;
      }
      ByteBuffer buffer = data.frame().getByteBuffer();
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      body.writeBytes(bytes);
      boolean last = data.frame().isEndStream();
      data.release();
      if (last) {
        finish();
      } else {
        stream.demand();
      }
    }

    @Override
    public void onReset(Stream stream, ResetFrame frame, org.eclipse.jetty.util.Callback callback) {
      done.complete(new Response(status, headers, body.toByteArray(), trailers, frames, frame.getError()));
      callback.succeeded();
    }

    @Override
    public void onFailure(Stream stream, int error, String reason, Throwable failure,
        org.eclipse.jetty.util.Callback callback) {
      done.completeExceptionally(failure);
      callback.succeeded();
    }

    private void finish() {
      done.complete(new Response(status, headers, body.toByteArray(), trailers, frames, -1));
    }
  }
}

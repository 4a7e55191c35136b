package io.opizontas.gateway.server;

import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.server.RawHTTP2ServerConnectionFactory;
import org.eclipse.jetty.http2.server.internal.HTTP2ServerConnection;
import org.eclipse.jetty.http2.server.internal.HTTP2ServerSession;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * Raw HTTP/2 frames on cleartext connections that open with the HTTP/2 preface ("prior knowledge",
 * how gRPC clients speak h2c).
 *
 * <p>The connector's first protocol is HTTP/1.1, so that an HTTP/1.1 request gets a readable error;
 * Jetty's HTTP/1.1 parser reads the preface as a {@code PRI * HTTP/2.0} request and asks an upgrading
 * factory for "h2c" to take the connection over. Jetty's own upgrading factory speaks the Handler
 * API, which cannot keep trailers-only responses trailers-only; this one keeps the raw frames. The
 * {@code Upgrade: h2c} dance of HTTP/1.1 is refused: no gRPC client uses it.
 *
 * <p>With the raw API the session listener decides the SETTINGS a client receives; Jetty's own
 * listener sends the factory's, and so does this one. Without them a client keeps the protocol's
 * 64 KiB stream window and has to wait for a WINDOW_UPDATE after every 64 KiB it uploads.
 */
final class PriorKnowledgeH2c extends RawHTTP2ServerConnectionFactory implements ConnectionFactory.Upgrading {

  private final HTTP2ServerSession.Listener calls;

  /**
   * @param calls takes the listener's streams. Of Jetty's internal type because only a listener of
   *     that type hears of requests Jetty could not decode; any other leaves them unanswered.
   */
  PriorKnowledgeH2c(HttpConfiguration configuration, HTTP2ServerSession.Listener calls) {
    super(configuration, calls, "h2c");
    this.calls = calls;
  }

  @Override
  protected ServerSessionListener newSessionListener(Connector connector, EndPoint endPoint) {
    return new HTTP2ServerSession.Listener() {
      @Override
      public void onStreamFailure(Stream stream, Throwable failure, Callback callback) {
        calls.onStreamFailure(stream, failure, callback);
      }

      @Override
      public Map<Integer, Integer> onPreface(Session session) {
        return newSettings();
      }

      @Override
      public Stream.Listener onNewStream(Stream stream, HeadersFrame frame) {
        return calls.onNewStream(stream, frame);
      }
    };
  }

  @Override
  public Connection upgradeConnection(Connector connector, EndPoint endPoint, MetaData.Request request,
      HttpFields.Mutable response101) {
    if (!HttpMethod.PRI.is(request.getMethod())) {
      return null;
    }
    HTTP2ServerConnection connection = (HTTP2ServerConnection) newConnection(connector, endPoint);
    return connection.upgrade(request, response101) ? connection : null;
  }
}

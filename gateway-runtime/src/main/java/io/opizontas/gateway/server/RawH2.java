package io.opizontas.gateway.server;

import io.opizontas.gateway.io.WriteCombiningEndPoint;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.server.RawHTTP2ServerConnectionFactory;
import org.eclipse.jetty.http2.server.internal.HTTP2ServerSession;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RateControl;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.Callback;

/**
 * Raw HTTP/2 frames handed to the data path: "h2" after TLS and ALPN, and the base of {@link
 * PriorKnowledgeH2c} for "h2c".
 *
 * <p>With the raw API the session listener decides the SETTINGS a client receives; Jetty's own
 * listener sends the factory's, and so does this one. Without them a client keeps the protocol's
 * 64 KiB stream window and has to wait for a WINDOW_UPDATE after every 64 KiB it uploads.
 */
class RawH2 extends RawHTTP2ServerConnectionFactory {

  private final HTTP2ServerSession.Listener calls;
  /** Each connection's rate control, from Jetty's call for it until the connection is made. */
  private final Map<EndPoint, ControlFrameRate> rates = new ConcurrentHashMap<>();

  /**
   * @param calls takes the listener's streams. Of Jetty's internal type because only a listener of
   *     that type hears of requests Jetty could not decode; any other leaves them unanswered.
   */
  RawH2(HttpConfiguration configuration, HTTP2ServerSession.Listener calls, String protocol) {
    super(configuration, calls, protocol);
    this.calls = calls;
  }

  /** Each client connection may send {@code perSecond} control frames a second; see {@link ControlFrameRate}. */
  void limitControlFrames(int perSecond) {
    setRateControlFactory(new RateControl.Factory() {
      @Override
      public RateControl newRateControl(EndPoint endPoint) {
        ControlFrameRate rate = new ControlFrameRate(perSecond);
        rates.put(endPoint, rate);
        return rate;
      }
    });
  }

  /**
   * The session writes through a {@link WriteCombiningEndPoint}: a read's frames leave in one write.
   * Its rate control learns from the session what the gateway sends.
   */
  @Override
  public Connection newConnection(Connector connector, EndPoint endPoint) {
    EndPoint socket = new WriteCombiningEndPoint(endPoint, connector.getByteBufferPool());
    try {
      Connection connection = super.newConnection(connector, socket);
      ControlFrameRate rate = rates.get(socket);
      if (rate != null && connection instanceof HTTP2Connection h2) {
        h2.getSession().addEventListener(rate);
      }
      return connection;
    } finally {
      rates.remove(socket);
    }
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
}

package io.opizontas.gateway.testing;

import io.opizontas.gateway.api.Endpoint;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.server.RawHTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.WindowRateControl;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A frame-level HTTP/2 backend for behaviour grpc-java will not produce on demand, such as resetting
 * a stream with a chosen error code.
 */
public final class RawBackend implements AutoCloseable {

  private final Server server = new Server();
  private final ServerConnector connector;

  /** Calls {@code onRequest} with each new stream and its request headers. */
  public RawBackend(BiConsumer<Stream, HeadersFrame> onRequest) throws Exception {
    this(onRequest, false);
  }

  /**
   * @param lenient tolerate frames for streams this backend already reset, as grpc-go does, instead
   *     of answering a burst of them with GOAWAY ENHANCE_YOUR_CALM as Jetty does by default
   */
  public RawBackend(BiConsumer<Stream, HeadersFrame> onRequest, boolean lenient) throws Exception {
    this((stream, frame) -> {
      onRequest.accept(stream, frame);
      return null;
    }, lenient);
  }

  /**
   * @param onRequest answers each new stream and its request headers with the listener that reads the
   *     rest of the request, or null to read none of it
   */
  public RawBackend(BiFunction<Stream, HeadersFrame, Stream.Listener> onRequest, boolean lenient) throws Exception {
    ServerSessionListener listener = new ServerSessionListener() {
      @Override
      public Stream.Listener onNewStream(Stream stream, HeadersFrame frame) {
        return onRequest.apply(stream, frame);
      }
    };
    RawHTTP2ServerConnectionFactory h2c = new RawHTTP2ServerConnectionFactory(new HttpConfiguration(), listener);
    if (lenient) {
      h2c.setRateControlFactory(new WindowRateControl.Factory(100_000));
    }
    connector = new ServerConnector(server, h2c);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.start();
  }

  public Endpoint endpoint() {
    return Endpoint.of("127.0.0.1", connector.getLocalPort());
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}

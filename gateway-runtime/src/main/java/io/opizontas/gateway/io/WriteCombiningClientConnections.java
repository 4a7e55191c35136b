package io.opizontas.gateway.io;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.http2.client.HTTP2ClientConnectionFactory;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;

/**
 * HTTP/2 client connections (the gateway's sessions to backends) whose sessions write through a
 * {@link WriteCombiningEndPoint}. Jetty's HTTP2Client uses it when its connect context names it;
 * with TLS it sits above the TLS layer, so gathered frames also share TLS records.
 */
public final class WriteCombiningClientConnections implements ClientConnectionFactory {

  private final HTTP2ClientConnectionFactory h2 = new HTTP2ClientConnectionFactory();
  private final ByteBufferPool buffers;

  public WriteCombiningClientConnections(ByteBufferPool buffers) {
    this.buffers = buffers;
  }

  @Override
  public Connection newConnection(EndPoint endPoint, Map<String, Object> context) throws IOException {
    return h2.newConnection(new WriteCombiningEndPoint(endPoint, buffers), context);
  }

  /** A fresh context for one {@code HTTP2Client.connect}: Jetty adds its own entries to it. */
  public Map<String, Object> connectContext() {
    Map<String, Object> context = new ConcurrentHashMap<>();
    context.put(ClientConnectionFactory.CONTEXT_KEY, this);
    return context;
  }
}

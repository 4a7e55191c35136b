package io.opizontas.gateway.server;

import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The client connections of the listeners, seen as HTTP/2: over TLS the socket's connection is
 * Jetty's {@link SslConnection}, and the HTTP/2 connection sits on its decrypted end point.
 */
final class ClientConnections {

  private ClientConnections() {}

  /** Every connected end point of {@code connectors} (the socket's, encrypted for TLS). */
  static List<EndPoint> endPoints(List<ServerConnector> connectors) {
    List<EndPoint> all = new ArrayList<>();
    connectors.forEach(connector -> all.addAll(connector.getConnectedEndPoints()));
    return all;
  }

  /** The HTTP/2 connection of {@code endPoint}, or null while it is not (yet) HTTP/2. */
  static HTTP2Connection http2(EndPoint endPoint) {
    Object connection = endPoint.getConnection();
    if (connection instanceof SslConnection tls) {
      connection = tls.getSslEndPoint().getConnection();
    }
    return connection instanceof HTTP2Connection http2 ? http2 : null;
  }
}

package io.opizontas.gateway.server;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.server.internal.HTTP2ServerConnection;
import org.eclipse.jetty.http2.server.internal.HTTP2ServerSession;
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
 */
final class PriorKnowledgeH2c extends RawH2 implements ConnectionFactory.Upgrading {

  PriorKnowledgeH2c(HttpConfiguration configuration, HTTP2ServerSession.Listener calls) {
    super(configuration, calls, "h2c");
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

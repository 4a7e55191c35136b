package io.opizontas.gateway.server;

import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * Answers HTTP/1.x requests on the gRPC port with a short plain-text 505 instead of a hang or a
 * dropped connection: gRPC needs HTTP/2, and whoever sent HTTP/1.1 deserves to be told.
 */
final class Http1Rejection extends Handler.Abstract.NonBlocking {

  private static final String MESSAGE =
      "Opizontas is a gRPC gateway: it speaks HTTP/2 (h2c with prior knowledge, or h2 over TLS).\n";

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    response.setStatus(HttpStatus.HTTP_VERSION_NOT_SUPPORTED_505);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
    response.write(true, BufferUtil.toBuffer(MESSAGE.getBytes(StandardCharsets.UTF_8)), callback);
    return true;
  }
}

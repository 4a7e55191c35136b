package io.opizontas.gateway.admin;

import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code /healthz}: 200 {@code ok} while the gateway serves, 503 {@code draining} once its shutdown
 * has begun, so that a load balancer polling it stops sending new connections during the drain.
 */
public final class Healthz extends Handler.Abstract.NonBlocking {

  private volatile boolean draining;

  /** From now on the gateway is going away: answer 503. */
  public void draining() {
    draining = true;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    boolean serving = !draining;
    response.setStatus(serving ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.write(true, StandardCharsets.UTF_8.encode(serving ? "ok\n" : "draining\n"), callback);
    return true;
  }
}

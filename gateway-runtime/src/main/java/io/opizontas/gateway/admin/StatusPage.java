package io.opizontas.gateway.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The status page at {@code /}: one HTML file, one style sheet and one script, shipped in the jar
 * and read once. They hold no data (the script reads the admin API), so they are open to anyone
 * who reaches the admin listener; the API reads and actions they make are guarded as any caller's.
 */
public final class StatusPage extends Handler.Abstract.NonBlocking {

  private final byte[] body;
  private final String contentType;

  private StatusPage(String resource, String contentType) {
    this.body = read(resource);
    this.contentType = contentType;
  }

  /** The page's routes: {@code /} and its two files under {@code /static/}. */
  public static List<AdminRoute> routes() {
    return List.of(
        // "" is the servlet path spec of "/" alone; "/" would claim every path.
        new AdminRoute("", AdminRoute.Access.OPEN, new StatusPage("status.html", "text/html; charset=utf-8")),
        new AdminRoute("/static/status.css", AdminRoute.Access.OPEN,
            new StatusPage("status.css", "text/css; charset=utf-8")),
        new AdminRoute("/static/status.js", AdminRoute.Access.OPEN,
            new StatusPage("status.js", "text/javascript; charset=utf-8")));
  }

  private static byte[] read(String resource) {
    try (InputStream in = StatusPage.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks the status page's " + resource);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    // Scripts run from this origin only: no inline code, nothing from elsewhere.
    response.getHeaders().put("Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'");
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }
}

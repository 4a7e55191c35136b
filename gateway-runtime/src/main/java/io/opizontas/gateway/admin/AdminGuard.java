package io.opizontas.gateway.admin;

import io.opizontas.gateway.auth.BearerTokens;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Lets a request through to one route's handler only with what the route's {@link AdminRoute.Access}
 * asks for: 401 (with {@code WWW-Authenticate: Bearer}) without a valid token, 403 for a {@code
 * TOKEN} route when no token is configured at all. Refusals are plain text saying why.
 */
final class AdminGuard extends Handler.Wrapper {

  private final AdminRoute.Access access;
  private final BearerTokens<Boolean> tokens;

  AdminGuard(AdminRoute route, BearerTokens<Boolean> tokens) {
    super(route.handler());
    this.access = route.access();
    this.tokens = tokens;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (access == AdminRoute.Access.OPEN || (access == AdminRoute.Access.READ && tokens.isEmpty())) {
      return super.handle(request, response, callback);
    }
    if (tokens.isEmpty()) {
      refuse(response, callback, HttpStatus.FORBIDDEN_403,
          "no admin token is configured: add [[admin.tokens]] sha256 = \"<printf %s \"$TOKEN\" | sha256sum>\"");
      return true;
    }
    try {
      tokens.authenticate(request.getHeaders().get(HttpHeader.AUTHORIZATION));
    } catch (BearerTokens.Rejected e) {
      response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
      refuse(response, callback, HttpStatus.UNAUTHORIZED_401, e.getMessage());
      return true;
    }
    return super.handle(request, response, callback);
  }

  static void refuse(Response response, Callback callback, int status, String why) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.write(true, StandardCharsets.UTF_8.encode(why + "\n"), callback);
  }
}

package io.opizontas.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opizontas.gateway.auth.BearerTokens;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

class AdminServerTest {

  private static final String TOKEN = "s3cret-admin-token";
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

  private static final List<AdminRoute> ROUTES = List.of(
      new AdminRoute("/healthz", AdminRoute.Access.OPEN, new Healthz()),
      new AdminRoute("/metrics", AdminRoute.Access.READ, new Text("metrics")),
      new AdminRoute("/api/*", AdminRoute.Access.TOKEN, new Text("api")));

  @Test
  void withATokenEverythingButHealthzNeedsIt() throws Exception {
    try (AdminServer admin = AdminServer.start(ANY_PORT, List.of(BearerTokens.sha256(TOKEN)), ROUTES, null)) {
      InetSocketAddress at = admin.address();

      assertThat(AdminHttp.get(at, "/healthz", null).statusCode()).isEqualTo(200);
      for (String path : List.of("/metrics", "/api/services")) {
        HttpResponse<String> missing = AdminHttp.get(at, path, null);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("WWW-Authenticate")).contains("Bearer");
        assertThat(missing.body()).isEqualTo("missing 'authorization: Bearer <token>'\n");
        assertThat(AdminHttp.get(at, path, "Bearer wrong").body()).isEqualTo("unknown admin token\n");
        assertThat(AdminHttp.get(at, path, "Basic " + TOKEN).statusCode()).isEqualTo(401);
        HttpResponse<String> allowed = AdminHttp.get(at, path, "Bearer " + TOKEN);
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.body()).isEqualTo(path.equals("/metrics") ? "metrics" : "api");
      }
    }
  }

  @Test
  void withoutATokenHealthzAndMetricsAreOpenAndTheRestIsRefused() throws Exception {
    try (AdminServer admin = AdminServer.start(ANY_PORT, List.of(), ROUTES, null)) {
      InetSocketAddress at = admin.address();

      assertThat(AdminHttp.get(at, "/healthz", null).body()).isEqualTo("ok\n");
      assertThat(AdminHttp.get(at, "/metrics", null).body()).isEqualTo("metrics");
      HttpResponse<String> api = AdminHttp.get(at, "/api/services", "Bearer " + TOKEN);
      assertThat(api.statusCode()).isEqualTo(403);
      assertThat(api.body()).startsWith("no admin token is configured: add [[admin.tokens]]");
    }
  }

  @Test
  void anUnknownPathIsNotFound() throws Exception {
    try (AdminServer admin = AdminServer.start(ANY_PORT, List.of(), ROUTES, null)) {
      assertThat(AdminHttp.get(admin.address(), "/nothing", null).statusCode()).isEqualTo(404);
      assertThat(AdminHttp.get(admin.address(), "/", null).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void healthzSaysDrainingOnceTheGatewayIsGoingAway() throws Exception {
    Healthz healthz = new Healthz();
    try (AdminServer admin = AdminServer.start(ANY_PORT, List.of(),
        List.of(new AdminRoute("/healthz", AdminRoute.Access.OPEN, healthz)), null)) {
      healthz.draining();

      HttpResponse<String> response = AdminHttp.get(admin.address(), "/healthz", null);
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.body()).isEqualTo("draining\n");
    }
  }

  @Test
  void aTakenAddressIsRefusedNamingTheSetting() throws Exception {
    try (ServerSocket occupant = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      InetSocketAddress taken = new InetSocketAddress("127.0.0.1", occupant.getLocalPort());

      assertThatThrownBy(() -> AdminServer.start(taken, List.of(), ROUTES, null).close())
          .isInstanceOf(AdminServer.BindFailure.class)
          .hasMessage("admin.listen 127.0.0.1:" + taken.getPort() + " is already in use; stop what listens there,"
              + " choose another address or set [admin] listen = \"off\"");
    }
  }

  /** A handler answering a fixed text. */
  private static final class Text extends Handler.Abstract.NonBlocking {
    private final String text;

    Text(String text) {
      this.text = text;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      response.write(true, StandardCharsets.UTF_8.encode(text), callback);
      return true;
    }
  }
}

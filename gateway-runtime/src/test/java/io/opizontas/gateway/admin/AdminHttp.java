package io.opizontas.gateway.admin;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A plain HTTP/1.1 client for the admin listener, as curl or a Prometheus scraper would call it. */
public final class AdminHttp {

  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private AdminHttp() {}

  /** GET {@code path}, with {@code authorization} as the header when not null. */
  public static HttpResponse<String> get(InetSocketAddress admin, String path, String authorization)
      throws Exception {
    return send(admin, "GET", path, authorization);
  }

  /** POST {@code path} with no body, as {@code curl -X POST} sends an admin action. */
  public static HttpResponse<String> post(InetSocketAddress admin, String path, String authorization)
      throws Exception {
    return send(admin, "POST", path, authorization);
  }

  private static HttpResponse<String> send(InetSocketAddress admin, String method, String path, String authorization)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.getPort() + path))
        .method(method, HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofSeconds(10));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}

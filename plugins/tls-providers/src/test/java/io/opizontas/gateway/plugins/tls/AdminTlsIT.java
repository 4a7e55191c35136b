package io.opizontas.gateway.plugins.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opizontas.gateway.auth.BearerTokens;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.TestCa;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin listener with {@code [admin.tls]} and {@code client_auth = "require"}: mutual TLS, then the token. */
class AdminTlsIT {

  private static final char[] PASSWORD = "changeit".toCharArray();
  private static final String TOKEN = "admin-token";
  private static final TestCa CA = TestCa.create("admin CA");

  @TempDir static Path dir;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    Path plugins = Files.createDirectory(dir.resolve("plugins"));
    Files.copy(Path.of(System.getProperty("plugin.jar")), plugins.resolve("tls-providers.jar"));
    CA.issue("gateway", "127.0.0.1").writePem(dir, "gateway");
    CA.writeCertificate(dir.resolve("ca.crt"));
    gateway = Gateway.start(GatewayConfigReader.read("""
        [plugins]
        directory = "%1$s/plugins"
        [server]
        listen = "127.0.0.1:0"
        [registration]
        enabled = false
        [admin]
        listen = "127.0.0.1:0"
        [[admin.tokens]]
        sha256 = "%2$s"
        [admin.tls]
        provider = "pem-files"
        client_auth = "require"
        cert = "%1$s/gateway.crt"
        key = "%1$s/gateway.key"
        ca = "%1$s/ca.crt"
        """.formatted(dir, BearerTokens.sha256(TOKEN)), "admin-tls.toml"));
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  void aClientWithACertificateOfTheAuthorityIsServed() throws Exception {
    HttpClient client = client(true);

    assertThat(get(client, "/healthz", null).statusCode()).isEqualTo(200);
    assertThat(get(client, "/metrics", null).statusCode()).isEqualTo(401);
    HttpResponse<String> metrics = get(client, "/metrics", "Bearer " + TOKEN);
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("opizontas_build_info");
  }

  @Test
  void aClientWithoutACertificateFailsItsHandshake() throws Exception {
    HttpClient client = client(false);

    assertThatThrownBy(() -> get(client, "/healthz", null)).isInstanceOf(IOException.class);
  }

  private static HttpResponse<String> get(HttpClient client, String path, String authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(
        URI.create("https://127.0.0.1:" + gateway.adminAddress().getPort() + path)).timeout(Duration.ofSeconds(10));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpClient client(boolean withCertificate) throws Exception {
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(load(TestCa.writeTrustStore(Files.createTempFile(dir, "trust", ".p12"), PASSWORD, CA.certificate())));
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    if (withCertificate) {
      keys.init(load(CA.issue("operator").writePkcs12(Files.createTempFile(dir, "client", ".p12"), "operator",
          PASSWORD)), PASSWORD);
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(withCertificate ? keys.getKeyManagers() : null, trust.getTrustManagers(), null);
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(context)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  private static KeyStore load(Path file) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      store.load(in, PASSWORD);
    }
    return store;
  }
}

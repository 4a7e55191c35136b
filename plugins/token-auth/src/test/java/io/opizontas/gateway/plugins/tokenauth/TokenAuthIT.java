package io.opizontas.gateway.plugins.tokenauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opizontas.gateway.api.CallFilter;
import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.config.ConfigException;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.plugin.Plugins;
import io.opizontas.gateway.proxy.CallFilters;
import io.opizontas.gateway.proxy.FilteredCall;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged token-auth plugin jar, loaded by the real runtime and run through its chain. */
class TokenAuthIT {

  @TempDir static Path dir;

  private static final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private static Plugins plugins;

  @BeforeAll
  static void install() throws Exception {
    Files.copy(Path.of(System.getProperty("plugin.jar")), dir.resolve("token-auth.jar"));
    plugins = Plugins.load(dir, Clock.systemUTC(), scheduler);
  }

  @AfterAll
  static void uninstall() {
    plugins.close();
    scheduler.shutdownNow();
  }

  private static String sha256(String token) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
  }

  private static Map<String, Object> token(String name, String secret, String... services) throws Exception {
    return Map.of("name", name, "sha256", sha256(secret), "services", List.of(services));
  }

  private static CallFilters chain(Map<String, Object> settings) {
    return plugins.startChain(List.of(new PluginSection("token-auth", settings, "gateway.toml:20")));
  }

  private static CallFilters standard() throws Exception {
    return chain(Map.of(
        "open_services", List.of("grpc.health.v1.Health"),
        "tokens", List.of(token("ci", "s3cret-ci", "helloworld.*"), token("ops", "s3cret-ops", "post.PostService"))));
  }

  private static FilteredCall call(CallFilters chain, String service, HttpFields.Mutable headers) throws Exception {
    return chain.onRequest(service, "M", headers).toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private static HttpFields.Mutable bearer(String token) {
    return HttpFields.build().add("authorization", "Bearer " + token).add("x-user", "ada");
  }

  @Test
  void theJarContributesTheTokenAuthFilterFromItsOwnClassLoader() {
    CallFilter filter = plugins.create(CallFilter.class, "token-auth");
    assertThat(filter.getClass().getName()).isEqualTo(TokenAuthFilter.class.getName());
    assertThat(filter.getClass()).isNotSameAs(TokenAuthFilter.class);
  }

  @Test
  void aKnownTokenWithinItsScopeProceedsAndTheCredentialIsStripped() throws Exception {
    HttpFields.Mutable headers = bearer("s3cret-ci");
    FilteredCall verdict = call(standard(), "helloworld.Greeter", headers);

    assertThat(verdict.rejection()).isNull();
    assertThat(verdict.attributes()).containsEntry("token-auth.name", "ci");
    assertThat(headers.contains("authorization")).as("backends never see the token").isFalse();
    assertThat(headers.get("x-user")).isEqualTo("ada");
    assertThat(call(standard(), "helloworld.v2.Greeter", bearer("s3cret-ci")).rejection()).isNull();
    assertThat(call(standard(), "post.PostService", bearer("s3cret-ops")).rejection()).isNull();
  }

  @Test
  void theBearerSchemeIsCaseInsensitive() throws Exception {
    HttpFields.Mutable headers = HttpFields.build().add("authorization", "bearer   s3cret-ci ");
    assertThat(call(standard(), "helloworld.Greeter", headers).rejection()).isNull();
  }

  @Test
  void noCredentialsIsUnauthenticated() throws Exception {
    assertThat(call(standard(), "helloworld.Greeter", HttpFields.build()).rejection())
        .isEqualTo(GrpcStatus.of(GrpcStatusCode.UNAUTHENTICATED, "missing credentials: send 'authorization: Bearer <token>'"));
  }

  @Test
  void anotherSchemeIsUnauthenticated() throws Exception {
    HttpFields.Mutable basic = HttpFields.build().add("authorization", "Basic YWRhOnMzY3JldA==");
    assertThat(call(standard(), "helloworld.Greeter", basic).rejection().code()).isEqualTo(GrpcStatusCode.UNAUTHENTICATED);
    assertThat(call(standard(), "helloworld.Greeter", HttpFields.build().add("authorization", "Bearer ")).rejection().code())
        .isEqualTo(GrpcStatusCode.UNAUTHENTICATED);
  }

  @Test
  void anUnknownTokenIsUnauthenticated() throws Exception {
    HttpFields.Mutable headers = bearer("s3cret-cj");
    assertThat(call(standard(), "helloworld.Greeter", headers).rejection())
        .isEqualTo(GrpcStatus.of(GrpcStatusCode.UNAUTHENTICATED, "invalid token"));
    assertThat(headers.contains("authorization")).as("a rejected call is never forwarded anyway").isTrue();
  }

  @Test
  void aKnownTokenOutsideItsServicesIsPermissionDenied() throws Exception {
    assertThat(call(standard(), "post.PostService", bearer("s3cret-ci")).rejection())
        .isEqualTo(GrpcStatus.of(GrpcStatusCode.PERMISSION_DENIED, "token 'ci' may not call post.PostService"));
    assertThat(call(standard(), "post.PostServiceAdmin", bearer("s3cret-ops")).rejection().code())
        .isEqualTo(GrpcStatusCode.PERMISSION_DENIED);
  }

  @Test
  void openServicesNeedNoToken() throws Exception {
    assertThat(call(standard(), "grpc.health.v1.Health", HttpFields.build()).rejection()).isNull();
  }

  @Test
  void anApiKeyHeaderCarriesTheBareToken() throws Exception {
    CallFilters chain = chain(Map.of("header", "X-Api-Key", "strip_header", false, "tokens", List.of(token("ci", "k-123", "*"))));
    HttpFields.Mutable headers = HttpFields.build().add("x-api-key", "k-123");

    assertThat(call(chain, "any.Service", headers).rejection()).isNull();
    assertThat(headers.get("x-api-key")).as("strip_header = false forwards it").isEqualTo("k-123");
    assertThat(call(chain, "any.Service", HttpFields.build().add("authorization", "Bearer k-123")).rejection())
        .isEqualTo(GrpcStatus.of(GrpcStatusCode.UNAUTHENTICATED, "missing credentials: send 'x-api-key: <token>'"));
  }

  @Test
  void rejectionsAreCounted() throws Exception {
    CallFilters chain = standard();
    double before = plugins.metrics("token-auth").getOrDefault("permission_denied_total", 0.0);
    call(chain, "post.PostService", bearer("s3cret-ci"));
    assertThat(plugins.metrics("token-auth")).containsEntry("permission_denied_total", before + 1);
  }

  @Test
  void badConfigurationNamesTheKey() throws Exception {
    Map<String, Object> shortHash = new HashMap<>(token("ci", "x", "*"));
    shortHash.put("sha256", "abc");
    assertThatThrownBy(() -> chain(Map.of("tokens", List.of(token("ok", "y", "*"), shortHash))))
        .isInstanceOf(ConfigException.class)
        .hasMessage("gateway.toml:20: tokens.1.sha256:"
            + " expected 64 hex digits (the SHA-256 of the token), found 3 characters (plugin 'token-auth')");
    assertThatThrownBy(() -> chain(Map.of("tokens", List.of(Map.of("sha256", sha256("x"))))))
        .hasMessageContaining(": tokens.0.services: missing");
    assertThatThrownBy(() -> chain(Map.of("tokens", List.of(token("ci", "x", "helloworld.*.Greeter")))))
        .hasMessageContaining(": tokens.0.services.0: 'helloworld.*.Greeter' is not a service pattern");
    assertThatThrownBy(() -> chain(Map.of()))
        .hasMessageContaining(": tokens: no token is configured");
    assertThatThrownBy(() -> chain(Map.of("header", "content-type", "tokens", List.of(token("ci", "x", "*")))))
        .hasMessageContaining(": header: metadata key 'content-type' is reserved");
    assertThatThrownBy(() -> chain(Map.of("token", List.of())))
        .hasMessageContaining(": token: unknown key");
  }
}

package io.opizontas.gateway.plugins.headerrewrite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opizontas.gateway.api.CallFilter;
import io.opizontas.gateway.config.ConfigException;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.plugin.Plugins;
import io.opizontas.gateway.proxy.CallFilters;
import io.opizontas.gateway.proxy.FilteredCall;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
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

/** The packaged header-rewrite plugin jar, loaded by the real runtime and run through its chain. */
class HeaderRewriteIT {

  @TempDir static Path dir;

  private static final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private static Plugins plugins;

  @BeforeAll
  static void install() throws Exception {
    Files.copy(Path.of(System.getProperty("plugin.jar")), dir.resolve("header-rewrite.jar"));
    plugins = Plugins.load(dir, Clock.systemUTC(), scheduler);
  }

  @AfterAll
  static void uninstall() {
    plugins.close();
    scheduler.shutdownNow();
  }

  private static CallFilters chain(Map<String, Object> services) {
    return plugins.startChain(List.of(new PluginSection("header-rewrite", Map.of("services", services), "gateway.toml:30")));
  }

  /** As TOML gives the example of the plugin guide: the most specific pattern written first. */
  private static CallFilters example() {
    Map<String, Object> services = new LinkedHashMap<>();
    services.put("helloworld.Greeter", Map.of(
        "request", Map.of("set", Map.of("x-tier", "gold")),
        "trailers", Map.of("remove", List.of("x-internal-trace"))));
    services.put("helloworld.*", Map.of("response", Map.of("add", Map.of("x-served-by", "greeter"))));
    services.put("*", Map.of("request", Map.of(
        "set", Map.of("x-tier", "basic", "x-gateway", "opizontas"),
        "add", Map.of("x-hop", "gw"),
        "remove", List.of("x-debug"))));
    return chain(services);
  }

  private static FilteredCall call(CallFilters chain, String service, HttpFields.Mutable headers) throws Exception {
    return chain.onRequest(service, "M", headers).toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void theJarContributesTheHeaderRewriteFilterFromItsOwnClassLoader() {
    CallFilter filter = plugins.create(CallFilter.class, "header-rewrite");
    assertThat(filter.getClass().getName()).isEqualTo(HeaderRewriteFilter.class.getName());
    assertThat(filter.getClass()).isNotSameAs(HeaderRewriteFilter.class);
  }

  @Test
  void requestEditsApplyFromTheGeneralPatternToTheSpecific() throws Exception {
    HttpFields.Mutable headers = HttpFields.build().add("x-debug", "1").add("x-hop", "client").add("x-user", "ada");
    call(example(), "helloworld.Greeter", headers);

    assertThat(headers.get("x-tier")).as("the exact pattern's set wins").isEqualTo("gold");
    assertThat(headers.get("x-gateway")).isEqualTo("opizontas");
    assertThat(headers.getValuesList("x-hop")).containsExactly("client", "gw");
    assertThat(headers.contains("x-debug")).isFalse();
    assertThat(headers.get("x-user")).isEqualTo("ada");
  }

  @Test
  void otherServicesGetOnlyTheGeneralEdits() throws Exception {
    HttpFields.Mutable headers = HttpFields.build();
    FilteredCall verdict = call(example(), "post.PostService", headers);
    HttpFields.Mutable response = HttpFields.build();
    verdict.onResponseHeaders(response).toCompletableFuture().get(5, TimeUnit.SECONDS);

    assertThat(headers.get("x-tier")).isEqualTo("basic");
    assertThat(response.contains("x-served-by")).isFalse();
  }

  @Test
  void responseHeadersAndTrailersAreEditedOnTheWayBack() throws Exception {
    FilteredCall verdict = call(example(), "helloworld.Greeter", HttpFields.build());
    HttpFields.Mutable response = HttpFields.build().add("content-type", "application/grpc");
    HttpFields.Mutable trailers = HttpFields.build().add("grpc-status", "0").add("x-internal-trace", "abc");
    verdict.onResponseHeaders(response).toCompletableFuture().get(5, TimeUnit.SECONDS);
    verdict.onTrailers(trailers).toCompletableFuture().get(5, TimeUnit.SECONDS);

    assertThat(response.get("x-served-by")).isEqualTo("greeter");
    assertThat(trailers.contains("x-internal-trace")).isFalse();
    assertThat(trailers.get("grpc-status")).isEqualTo("0");
  }

  @Test
  void badConfigurationNamesTheKey() {
    assertThatThrownBy(() -> chain(Map.of("*", Map.of("request", Map.of("set", Map.of("content-type", "text/plain"))))))
        .isInstanceOf(ConfigException.class)
        .hasMessage("gateway.toml:30: services.\"*\".request.set.content-type:"
            + " metadata key 'content-type' is reserved for the transport (plugin 'header-rewrite')");
    assertThatThrownBy(() -> chain(Map.of("pkg.*.Svc", Map.of())))
        .hasMessageContaining(": services.\"pkg.*.Svc\": 'pkg.*.Svc' is not a service pattern");
    assertThatThrownBy(() -> chain(Map.of("*", Map.of("requests", Map.of()))))
        .hasMessageContaining(": services.\"*\".requests: unknown key; expected one of request, response, trailers");
    assertThatThrownBy(() -> chain(Map.of("*", Map.of("request", Map.of("add", Map.of("x-a", 5L))))))
        .hasMessageContaining(": services.\"*\".request.add.x-a: expected a string but found long 5");
    assertThatThrownBy(() -> chain(Map.of("*", Map.of("response", Map.of("set", Map.of("x-a", "line\nbreak"))))))
        .hasMessageContaining("services.\"*\".response.set.x-a: metadata key 'x-a' has a value with a character outside printable ASCII");
  }
}

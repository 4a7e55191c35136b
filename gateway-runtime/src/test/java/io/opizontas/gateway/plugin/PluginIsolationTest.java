package io.opizontas.gateway.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.plugin.fixtures.JacksonVersionFilter;
import io.opizontas.gateway.proxy.CallFilters;
import io.opizontas.gateway.proxy.FilteredCall;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin that bundles an older jackson-core than the gateway's own (Maven copies the real jar, see
 * the pom) uses its copy, while the gateway and a plugin that bundles none keep the gateway's.
 */
class PluginIsolationTest {

  private static final Path OLD_JACKSON = Path.of(System.getProperty("isolation.jackson.jar"));
  private static final String OLD_VERSION = System.getProperty("isolation.jackson.version");

  @TempDir Path dir;

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private Plugins plugins;

  @AfterEach
  void close() {
    if (plugins != null) {
      plugins.close();
    }
    scheduler.shutdownNow();
  }

  @Test
  void aBundledLibraryVersionStaysInsideItsPlugin() throws Exception {
    String gatewayVersion = com.fasterxml.jackson.core.json.PackageVersion.VERSION.toString();
    assertThat(gatewayVersion).as("the test needs two different versions").isNotEqualTo(OLD_VERSION);
    PluginJar.id("old-jackson").extension(JacksonVersionFilter.class).bundle(OLD_JACKSON).writeTo(dir);
    PluginJar.id("no-jackson").extension(JacksonVersionFilter.class).writeTo(dir);
    plugins = Plugins.load(dir, Clock.systemUTC(), scheduler);

    CallFilters chain = plugins.startChain(List.of(
        new PluginSection("old-jackson", Map.of("header", "x-old"), "gateway.toml:1"),
        new PluginSection("no-jackson", Map.of("header", "x-app"), "gateway.toml:4")));
    HttpFields.Mutable request = HttpFields.build().add("x-json", "{\"a\":[1,2]}");
    FilteredCall verdict = chain.onRequest("pkg.Svc", "M", request).toCompletableFuture().get(5, TimeUnit.SECONDS);
    HttpFields.Mutable response = HttpFields.build();
    verdict.onResponseHeaders(response).toCompletableFuture().get(5, TimeUnit.SECONDS);

    assertThat(response.get("x-old")).isEqualTo(OLD_VERSION);
    assertThat(response.get("x-app")).isEqualTo(gatewayVersion);
    assertThat(verdict.attributes())
        .as("each copy of the library works")
        .containsEntry("x-old-tokens", "7")
        .containsEntry("x-app-tokens", "7");
    assertThat(new TomlMapper().readTree("answer = 42").get("answer").asInt())
        .as("the gateway's own Jackson is untouched")
        .isEqualTo(42);
    assertThat(com.fasterxml.jackson.core.json.PackageVersion.VERSION.toString()).isEqualTo(gatewayVersion);
  }
}

package io.opizontas.gateway.plugins.consul;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;


import com.github.tomakehurst.wiremock.WireMockServer;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.RegistryBackend;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.api.testing.RecordingEndpointSink;
import io.opizontas.gateway.api.testing.TestPluginContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginManager;

/** The packaged plugin jar, loaded by PF4J, contributes a Consul backend that works with what it bundles. */
class ConsulPluginJarIT {

  @Test
  void thePluginJarContributesAWorkingConsulBackend(@TempDir Path plugins) throws Exception {
    Path jar = Path.of(System.getProperty("plugin.jar"));
    Files.copy(jar, plugins.resolve(jar.getFileName()));
    PluginManager manager = new DefaultPluginManager(plugins);
    manager.loadPlugins();
    manager.startPlugins();
    WireMockServer consul = new WireMockServer(options().dynamicPort());
    consul.start();
    try (TestPluginContext context = new TestPluginContext("consul")) {
      consul.stubFor(get(urlPathEqualTo("/v1/health/service/svc.A"))
          .willReturn(okJson("[{\"Node\": {\"Address\": \"10.0.0.1\"}, \"Service\": {\"Service\": \"svc.A\", \"Port\": 9}}]")
              .withHeader("X-Consul-Index", "1")));
      List<RegistryBackend> backends = manager.getExtensions(RegistryBackend.class, "consul");
      assertThat(backends).hasSize(1);
      RegistryBackend backend = backends.get(0);
      assertThat(backend.getClass().getClassLoader()).isNotSameAs(getClass().getClassLoader());
      assertThat(backend.registrar()).isEmpty();

      RecordingEndpointSink sink = new RecordingEndpointSink();
      backend.start(
          new TablePluginConfig("consul", Map.of("address", consul.baseUrl(), "services", List.of("svc.A"))),
          context, sink);
      try {
        assertThat(sink.endpoints("svc.A")).containsExactly(Endpoint.of("10.0.0.1", 9));
      } finally {
        backend.close();
      }
    } finally {
      consul.stop();
      manager.stopPlugins();
      manager.unloadPlugins();
    }
  }
}

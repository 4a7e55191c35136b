package io.opizontas.gateway.plugins.statics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;


import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.RegistryBackend;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.api.testing.RecordingEndpointSink;
import io.opizontas.gateway.api.testing.TestPluginContext;
import io.opizontas.gateway.config.ConfigException;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.server.Gateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginManager;

/** The packaged jar, loaded by PF4J: reads a TOML file with the parser it bundles, refuses a misspelt key. */
class StaticPluginJarIT {

  @Test
  void thePluginJarContributesAWorkingStaticBackend(@TempDir Path dir) throws Exception {
    Path plugins = Files.createDirectory(dir.resolve("plugins"));
    Path jar = Path.of(System.getProperty("plugin.jar"));
    Files.copy(jar, plugins.resolve(jar.getFileName()));
    Path file = Files.writeString(dir.resolve("endpoints.toml"), "[services]\n\"svc.A\" = [\"10.0.0.1:9\"]\n");
    PluginManager manager = new DefaultPluginManager(plugins);
    manager.loadPlugins();
    manager.startPlugins();
    try (TestPluginContext context = new TestPluginContext("static")) {
      List<RegistryBackend> backends = manager.getExtensions(RegistryBackend.class, "static");
      assertThat(backends).hasSize(1);
      RegistryBackend backend = backends.get(0);
      assertThat(backend.getClass().getClassLoader()).isNotSameAs(getClass().getClassLoader());
      RecordingEndpointSink sink = new RecordingEndpointSink();
      backend.start(new TablePluginConfig("static", Map.of("file", file.toString())), context, sink);
      try {
        assertThat(sink.endpoints("svc.A")).containsExactly(Endpoint.of("10.0.0.1", 9));
      } finally {
        backend.close();
      }
    } finally {
      manager.stopPlugins();
      manager.unloadPlugins();
    }
  }

  @Test
  void aMisspeltKeyStopsTheStartNamingFileLineKeyAndTheKnownKeys(@TempDir Path dir) throws Exception {
    Path plugins = Files.createDirectory(dir.resolve("plugins"));
    Path jar = Path.of(System.getProperty("plugin.jar"));
    Files.copy(jar, plugins.resolve(jar.getFileName()));
    Path file = Files.writeString(dir.resolve("gateway.toml"), """
        server.listen = "127.0.0.1:0"
        admin.listen = "off"
        plugins.directory = "%s"
        registration.enabled = false

        [[registries]]
        plugin = "static"
        service."helloworld.Greeter" = ["127.0.0.1:50052"]
        """.formatted(plugins.toString().replace("\\", "\\\\")));

    assertThatThrownBy(() -> Gateway.start(GatewayConfigReader.read(file)).close())
        .isInstanceOf(ConfigException.class)
        .hasMessage(file + ":8: registries.0.service: unknown key; expected one of services, file, reload_interval"
            + " (plugin 'static')");
  }
}

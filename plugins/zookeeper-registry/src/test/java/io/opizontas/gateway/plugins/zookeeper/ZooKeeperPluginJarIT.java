package io.opizontas.gateway.plugins.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;


import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.RegistryBackend;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.api.testing.RecordingEndpointSink;
import io.opizontas.gateway.api.testing.TestPluginContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginManager;

/**
 * The packaged plugin jar, loaded by PF4J in its own class loader, runs with the Curator and
 * ZooKeeper it bundles: it contributes the backend and the backend really works.
 */
class ZooKeeperPluginJarIT {

  @Test
  void thePluginJarContributesAWorkingZooKeeperBackend(@TempDir Path plugins) throws Exception {
    Path jar = Path.of(System.getProperty("plugin.jar"));
    Files.copy(jar, plugins.resolve(jar.getFileName()));
    PluginManager manager = new DefaultPluginManager(plugins);
    manager.loadPlugins();
    manager.startPlugins();
    try (TestingServer zookeeper = new TestingServer(true);
        TestPluginContext context = new TestPluginContext("zookeeper")) {
      List<RegistryBackend> backends = manager.getExtensions(RegistryBackend.class, "zookeeper");
      assertThat(backends).hasSize(1);
      RegistryBackend backend = backends.get(0);
      assertThat(backend.getClass().getClassLoader()).isNotSameAs(getClass().getClassLoader());

      RecordingEndpointSink sink = new RecordingEndpointSink();
      backend.start(
          new TablePluginConfig("zookeeper", Map.of("connect", zookeeper.getConnectString())),
          context,
          sink);
      try {
        backend.registrar().orElseThrow()
            .register(Set.of("svc.A"), Endpoint.of("10.0.0.1", 9), Duration.ofSeconds(30));
        sink.awaitEndpoints("svc.A", Set.of(Endpoint.of("10.0.0.1", 9)), Duration.ofSeconds(5));
      } finally {
        backend.close();
      }
    } finally {
      manager.stopPlugins();
      manager.unloadPlugins();
    }
  }
}

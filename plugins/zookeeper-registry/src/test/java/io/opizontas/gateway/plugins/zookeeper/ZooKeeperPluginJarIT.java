package io.opizontas.gateway.plugins.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;


import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.RegistryBackend;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.discovery.ServiceEndpoints;
import io.opizontas.gateway.discovery.TestPluginContext;
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

      EndpointTable table = new EndpointTable();
      backend.start(
          new TablePluginConfig("zookeeper", Map.of("connect", zookeeper.getConnectString())),
          context,
          table.sink("zookeeper#0"));
      try {
        backend.registrar().orElseThrow()
            .register(Set.of("svc.A"), Endpoint.of("10.0.0.1", 9), Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(5)).until(() -> {
          ServiceEndpoints endpoints = table.lookup("svc.A");
          return endpoints != null && endpoints.asList().equals(List.of(Endpoint.of("10.0.0.1", 9)));
        });
      } finally {
        backend.close();
      }
    } finally {
      manager.stopPlugins();
      manager.unloadPlugins();
    }
  }
}

package io.opizontas.gateway.plugins.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.api.RegistryBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginManager;
import org.pf4j.PluginState;

/** The packaged jar is a PF4J plugin that contributes the backend it claims (extensions.idx ran). */
class MemoryPluginJarIT {

  @Test
  void thePluginJarContributesTheMemoryBackend(@TempDir Path plugins) throws Exception {
    Path jar = Path.of(System.getProperty("plugin.jar"));
    Files.copy(jar, plugins.resolve(jar.getFileName()));
    PluginManager manager = new DefaultPluginManager(plugins);
    manager.loadPlugins();
    manager.startPlugins();
    try {
      assertThat(manager.getPlugin("memory").getPluginState()).isEqualTo(PluginState.STARTED);
      List<RegistryBackend> backends = manager.getExtensions(RegistryBackend.class, "memory");
      assertThat(backends).hasSize(1);
      assertThat(backends.get(0).getClass().getName()).isEqualTo(MemoryRegistry.class.getName());
      // Loaded by the plugin's class loader, not the test's: the jar, not target/classes, is in use.
      assertThat(backends.get(0).getClass().getClassLoader()).isNotSameAs(getClass().getClassLoader());
      assertThat(backends.get(0).registrar()).isPresent();
    } finally {
      manager.stopPlugins();
      manager.unloadPlugins();
    }
  }
}

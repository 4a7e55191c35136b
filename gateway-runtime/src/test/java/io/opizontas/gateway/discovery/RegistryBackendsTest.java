package io.opizontas.gateway.discovery;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opizontas.gateway.api.EndpointSink;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.RegistryBackend;
import io.opizontas.gateway.api.testing.TestPluginContext;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.config.RegistrationConfig;
import io.opizontas.gateway.plugin.PluginLoadException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistryBackendsTest {

  /**
   * A registry's failed start reads like every other plugin's, and a missing file is called one: a
   * NoSuchFileException's own message is only the path.
   */
  @Test
  void aRegistryThatFailsToStartIsNamedLikeEveryOtherPluginWithItsCause() throws Exception {
    RegistryBackend missingFile = new RegistryBackend() {
      @Override
      public void start(PluginConfig config, PluginContext context, EndpointSink sink) throws Exception {
        throw new NoSuchFileException("/etc/opizontas/services.properties");
      }

      @Override
      public void close() {}
    };

    try (TestPluginContext context = new TestPluginContext("files")) {
      assertThatThrownBy(() -> RegistryBackends.start(
              List.of(new PluginSection("files", Map.of(), "gateway.toml:7")),
              new RegistrationConfig(false, "memory", Duration.ofSeconds(30), List.of()),
              id -> missingFile, id -> context, new EndpointTable()))
          .isInstanceOf(PluginLoadException.class)
          .hasMessage("plugin 'files' (gateway.toml:7): failed to start: "
              + "NoSuchFileException: /etc/opizontas/services.properties");
    }
  }
}

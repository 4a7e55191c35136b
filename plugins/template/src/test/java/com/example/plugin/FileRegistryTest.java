package com.example.plugin;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.testing.RecordingEndpointSink;
import io.opizontas.gateway.api.testing.TestPluginContext;
import io.opizontas.gateway.api.testing.TomlPluginConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRegistryTest {

  @TempDir Path home;

  @Test
  void reportsTheFileAndReportsItAgainOnceRewritten() throws Exception {
    Path file = home.resolve("services.properties");
    Files.writeString(file, "shop.Cart = 10.0.0.1:50051, 10.0.0.2:50051\n");
    RecordingEndpointSink sink = new RecordingEndpointSink();
    FileRegistry registry = new FileRegistry();
    try (TestPluginContext context = new TestPluginContext("my-plugin").withHome(home)) {
      registry.start(TomlPluginConfig.parse("my-plugin", """
          file = "services.properties"
          reload_interval = "50ms"
          """), context, sink);

      sink.awaitEndpoints("shop.Cart",
          Set.of(Endpoint.of("10.0.0.1", 50051), Endpoint.of("10.0.0.2", 50051)), Duration.ofSeconds(5));
      Files.writeString(file, "shop.Cart = 10.0.0.3:50051\n");
      sink.awaitEndpoints("shop.Cart", Set.of(Endpoint.of("10.0.0.3", 50051)), Duration.ofSeconds(5));
      registry.close();
    }
  }
}

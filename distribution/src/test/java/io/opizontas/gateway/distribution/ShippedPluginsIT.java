package io.opizontas.gateway.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.api.CallFilter;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.plugin.Plugins;
import io.opizontas.gateway.proxy.CallFilters;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

/** The plugin jars the distribution ships load together, as the gateway loads them at start-up. */
class ShippedPluginsIT {

  private static final Path PLUGINS = Path.of(System.getProperty("distribution.home")).resolve("plugins");

  @Test
  void theShippedPluginsLoadTogetherAndTheEmbeddedDefaultNeedsNone() {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (Plugins plugins = Plugins.load(PLUGINS, Clock.systemUTC(), scheduler)) {
      assertThat(plugins.ids()).contains("token-auth", "header-rewrite", "access-log");
      for (String filter : new String[] {"token-auth", "header-rewrite", "access-log"}) {
        assertThat(plugins.create(CallFilter.class, filter)).isNotNull();
      }
      assertThat(plugins.startChain(GatewayConfig.defaults().chain())).isSameAs(CallFilters.NONE);
    } finally {
      scheduler.shutdownNow();
    }
  }
}

package io.opizontas.gateway.api.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TestPluginContextTest {

  @Test
  void metricsAreReadBackAndNamesCheckedAsTheRuntimeChecksThem() {
    try (TestPluginContext context = new TestPluginContext("p")) {
      context.metrics().counter("reloads", "files read").increment();
      context.metrics().gauge("endpoints", "endpoints known", () -> 3);

      assertThat(context.metrics().count("reloads")).isEqualTo(1);
      assertThat(context.metrics().count("never")).isZero();
      assertThat(context.metrics().gauge("endpoints")).isEqualTo(3.0);
      assertThatThrownBy(() -> context.metrics().counter("Bad-Name", "")).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void homeBlockingExecutorAndEndpointCallsAreLentAsGiven() throws Exception {
    try (TestPluginContext context = new TestPluginContext("p").withHome(Path.of("conf"))) {
      assertThat(context.home()).isEqualTo(Path.of("conf").toAbsolutePath());
      assertThat(CompletableFuture.supplyAsync(() -> Thread.currentThread().getName(), context.blockingExecutor())
          .get(5, TimeUnit.SECONDS)).startsWith("test-plugin-p-blocking-");
      assertThatThrownBy(context::endpointCalls).isInstanceOf(UnsupportedOperationException.class);
    }
  }
}

package io.opizontas.gateway.plugins.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;


import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.EndpointSink;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.RegistryBackend;
import io.opizontas.gateway.api.testing.TestPluginContext;
import io.opizontas.gateway.config.ConfigException;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.config.RegistrationConfig;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.discovery.RegistryBackends;
import io.opizontas.gateway.plugin.PluginLoadException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The runtime's wiring of registry backends, with the real memory registry. */
class RegistryBackendsTest {

  private final EndpointTable table = new EndpointTable();
  private final TestPluginContext context = new TestPluginContext("memory");
  private final List<String> events = new ArrayList<>();

  @AfterEach
  void stop() {
    context.close();
  }

  /** A read-only backend that reports one fixed endpoint, the way a third-party plugin might. */
  private final class Fixed implements RegistryBackend {
    private final boolean failStart;

    Fixed(boolean failStart) {
      this.failStart = failStart;
    }

    @Override
    public void start(PluginConfig config, PluginContext context, EndpointSink sink) {
      events.add("start " + config.pluginId());
      if (failStart) {
        throw new IllegalStateException("cannot reach the store");
      }
      sink.update("svc.Fixed", Set.of(Endpoint.parse(config.string("address", "10.0.0.1:1"))));
    }

    @Override
    public void close() {
      events.add("close");
    }
  }

  /**
   * A backend whose watcher fires while and after it closes, the way a ZooKeeper or file watcher
   * may, with no guard of its own.
   */
  private static final class Unguarded implements RegistryBackend {
    private EndpointSink kept;

    @Override
    public void start(PluginConfig config, PluginContext context, EndpointSink sink) {
      kept = sink;
      sink.update("svc.Watched", Set.of(Endpoint.of("10.0.0.1", 1)));
    }

    @Override
    public void close() {
      kept.update("svc.Watched", Set.of());
    }
  }

  private final Unguarded unguarded = new Unguarded();

  private RegistryBackend create(String id) {
    return switch (id) {
      case "memory" -> new MemoryRegistry();
      case "unguarded" -> unguarded;
      case "fixed" -> new Fixed(false);
      case "broken" -> new Fixed(true);
      default -> throw new IllegalArgumentException("no registry plugin '" + id + "'");
    };
  }

  private RegistryBackends start(List<PluginSection> registries, RegistrationConfig registration) {
    return RegistryBackends.start(registries, registration, this::create, id -> context, table);
  }

  @Test
  void theEmbeddedDefaultRunsAnInMemoryRegistryForTheRegistrationApi() throws Exception {
    GatewayConfig defaults = GatewayConfig.defaults();
    try (RegistryBackends backends = start(defaults.registries(), defaults.registration())) {
      assertThat(backends.registrar()).isPresent();
      backends.registrar().get().register(Set.of("svc.A"), Endpoint.of("10.0.0.9", 9), Duration.ofSeconds(30));
      assertThat(table.lookup("svc.A").asList()).containsExactly(Endpoint.of("10.0.0.9", 9));
    }
  }

  @Test
  void everyConfiguredRegistryReportsIntoOneTable() {
    try (RegistryBackends backends = start(
        List.of(new PluginSection("fixed", Map.of("address", "10.0.0.1:1"), "gateway.toml:3"),
            new PluginSection("fixed", Map.of("address", "10.0.0.2:1"), "gateway.toml:7")),
        new RegistrationConfig(false, "memory", Duration.ofSeconds(30), List.of()))) {
      assertThat(backends.registrar()).isEmpty();
      assertThat(table.lookup("svc.Fixed").size()).isEqualTo(2); // two sources, merged
    }
    assertThat(events).containsExactly("start fixed", "start fixed", "close", "close");
  }

  @Test
  void reportsMadeWhileAndAfterABackendClosesAreIgnored() {
    RegistryBackends backends = start(List.of(new PluginSection("unguarded", Map.of(), "gateway.toml:3")),
        new RegistrationConfig(false, "memory", Duration.ofSeconds(30), List.of()));
    assertThat(table.lookup("svc.Watched").asList()).containsExactly(Endpoint.of("10.0.0.1", 1));

    backends.close();
    unguarded.kept.update("svc.Watched", Set.of(Endpoint.of("10.0.0.2", 1)));
    unguarded.kept.replaceAll(Map.of("svc.Other", Set.of(Endpoint.of("10.0.0.3", 1))));

    assertThat(table.lookup("svc.Watched").asList()).containsExactly(Endpoint.of("10.0.0.1", 1));
    assertThat(table.lookup("svc.Other")).isNull();
  }

  @Test
  void anUnknownPluginIsNamedWithWhereItWasConfigured() {
    assertThatThrownBy(() -> start(
            List.of(new PluginSection("nope", Map.of(), "gateway.toml:7")), RegistrationConfig.defaults()))
        .isInstanceOf(PluginLoadException.class)
        .hasMessage("gateway.toml:7: no registry plugin 'nope'");
    assertThat(events).isEmpty();
  }

  @Test
  void aReadOnlyRegistrationBackendIsRefused() {
    assertThatThrownBy(() -> start(
            List.of(new PluginSection("fixed", Map.of(), "gateway.toml:3")),
            new RegistrationConfig(true, "fixed", Duration.ofSeconds(30), List.of())))
        .isInstanceOf(PluginLoadException.class)
        .hasMessageContaining("read-only");
    assertThat(events).containsExactly("start fixed", "close");
  }

  @Test
  void aBackendThatFailsToStartNamesItsEntryAndTheStartedOnesAreClosed() {
    assertThatThrownBy(() -> start(
            List.of(new PluginSection("fixed", Map.of(), "gateway.toml:3"),
                new PluginSection("broken", Map.of(), "gateway.toml:9")),
            RegistrationConfig.defaults()))
        .isInstanceOf(PluginLoadException.class)
        .hasMessageContaining("gateway.toml:9")
        .hasMessageContaining("broken")
        .hasMessageContaining("cannot reach the store");
    // The broken one is not closed: close() follows only a start that returned normally.
    assertThat(events).containsExactly("start fixed", "start broken", "close");
  }

  @Test
  void aBadSettingNamesFileLineAndKey() {
    GatewayConfig config = GatewayConfigReader.read("""
        [[registries]]
        plugin = "memory"
        max_leases = "many"
        """, "gateway.toml");
    assertThatThrownBy(() -> start(config.registries(), RegistrationConfig.defaults()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("gateway.toml:3: registries.0.max_leases: expected an integer but found the string \"many\" (plugin 'memory')");
  }

  @Test
  void anUnknownKeyIsRefusedAndTheBackendClosed() {
    GatewayConfig config = GatewayConfigReader.read("""
        [[registries]]
        plugin = "fixed"
        address = "10.0.0.1:1"
        adress = "10.0.0.2:1"
        """, "gateway.toml");
    assertThatThrownBy(() -> start(config.registries(), RegistrationConfig.defaults()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("gateway.toml:4: registries.0.adress: unknown key; the plugin reads only address here (plugin 'fixed')");
    assertThat(events).containsExactly("start fixed", "close");
  }

  @Test
  void aReloadKeepsTheRegistrationBackendWithItsLeasesAndReplacesTheEntriesThatChanged() throws Exception {
    RegistrationConfig registration = RegistrationConfig.defaults();
    RegistryBackends first = start(List.of(new PluginSection("memory", Map.of(), "gateway.toml:1"),
        new PluginSection("fixed", Map.of("address", "10.0.0.1:1"), "gateway.toml:4")), registration);
    first.registrar().orElseThrow().register(Set.of("svc.A"), Endpoint.of("10.0.0.9", 9), Duration.ofSeconds(30));

    RegistryBackends second = RegistryBackends.start(
        List.of(new PluginSection("memory", Map.of("max_leases", 5L), "gateway.toml:1"),
            new PluginSection("fixed", Map.of("address", "10.0.0.2:1"), "gateway.toml:5")),
        registration, this::create, id -> context, table, first, 1);

    // The registration API's backend is the same instance, leases and all, whatever its settings.
    assertThat(second.registrar()).containsSame(first.registrar().orElseThrow());
    // Both configurations report until the old one retires; then only the new entry's endpoint is left.
    assertThat(table.lookup("svc.Fixed").size()).isEqualTo(2);
    first.retire(second);
    assertThat(table.lookup("svc.Fixed").asList()).containsExactly(Endpoint.parse("10.0.0.2:1"));
    assertThat(table.lookup("svc.A").asList()).containsExactly(Endpoint.of("10.0.0.9", 9));
    assertThat(events).containsExactly("start fixed", "start fixed", "close");
    second.close();
  }

  @Test
  void aReloadWhoseBackendFailsWithdrawsWhatItsNewBackendsReportedAndLeavesTheRunningOnes() {
    RegistrationConfig off = new RegistrationConfig(false, "memory", Duration.ofSeconds(30), List.of());
    PluginSection kept = new PluginSection("fixed", Map.of("address", "10.0.0.1:1"), "gateway.toml:1");
    try (RegistryBackends running = start(List.of(kept), off)) {
      assertThatThrownBy(() -> RegistryBackends.start(
              List.of(kept, new PluginSection("fixed", Map.of("address", "10.0.0.3:1"), "gateway.toml:4"),
                  new PluginSection("broken", Map.of(), "gateway.toml:7")),
              off, this::create, id -> context, table, running, 1))
          .isInstanceOf(PluginLoadException.class)
          .hasMessageContaining("gateway.toml:7");

      assertThat(table.lookup("svc.Fixed").asList()).containsExactly(Endpoint.parse("10.0.0.1:1"));
      // The running backend was taken over by the failed attempt, not started again, and stays open.
      assertThat(events).containsExactly("start fixed", "start fixed", "start broken", "close");
    }
  }
}

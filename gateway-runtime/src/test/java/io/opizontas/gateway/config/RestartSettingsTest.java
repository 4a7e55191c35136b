package io.opizontas.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which changed settings a reload must leave to a restart, read from real TOML. */
class RestartSettingsTest {

  /** The same in both files: a TLS listener whose provider entry is a plugin section. */
  private static final String TLS = """

      [server.tls]
      listen = "127.0.0.1:50443"
      provider = "pem-files"
      cert = "gateway.crt"
      """;

  private static final String RUNNING = """
      [server]
      listen = "127.0.0.1:50051"
      """ + TLS + """

      [[registries]]
      plugin = "memory"

      [[registries]]
      plugin = "static"
      services."a.A" = ["10.0.0.1:1"]
      """;

  private static GatewayConfig read(String toml) {
    return GatewayConfigReader.read(toml, "gateway.toml");
  }

  @Test
  void entriesThatOnlyMovedAreUnchanged() {
    String moved = "# a comment\n\n" + RUNNING.replace("[[registries]]", "\n[[registries]]");

    assertThat(RestartSettings.changed(read(RUNNING), read(moved))).isEmpty();
  }

  @Test
  void theListenerAndTheRegistrationApisRegistryAreNamedWithTheirLinesAndKeepTheirRunningValues() {
    String next = """
        [server]
        listen = "0.0.0.0:50051"
        drain_timeout = "30s"
        """ + TLS + """

        [[registries]]
        plugin = "memory"
        max_leases = 5

        [[registries]]
        plugin = "static"
        services."a.A" = ["10.0.0.2:1"]

        [[chain]]
        plugin = "token-auth"
        """;
    GatewayConfig running = read(RUNNING);

    List<String> changed = RestartSettings.changed(running, read(next));

    // drain_timeout is written at its default value: not a change.
    assertThat(changed).containsExactly("server.listen", "registries.0");
    assertThat(RestartSettings.located(changed, next, "gateway.toml"))
        .containsExactly("server.listen (gateway.toml:2)", "registries.0 (gateway.toml:10)");
    GatewayConfig kept = RestartSettings.kept(running, read(next));
    assertThat(kept.server()).isEqualTo(running.server());
    assertThat(kept.registries().get(0).settings()).isEmpty();
    // The rest is the new file's.
    assertThat(kept.registries().get(1).settings()).isEqualTo(Map.of("services", Map.of("a.A", List.of("10.0.0.2:1"))));
    assertThat(kept.chain()).hasSize(1);
  }
}

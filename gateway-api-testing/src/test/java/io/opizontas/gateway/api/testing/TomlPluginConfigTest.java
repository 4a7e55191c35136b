package io.opizontas.gateway.api.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opizontas.gateway.api.PluginConfigException;
import io.opizontas.gateway.api.TablePluginConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TomlPluginConfigTest {

  @Test
  void aSnippetReadsAsTheGatewayReadsThePluginsSection() {
    TablePluginConfig config = TomlPluginConfig.parse("static", """
        file = "endpoints.json"
        reload_interval = "5s"
        limit = 3
        max = "8MiB"
        services."helloworld.Greeter" = ["10.0.0.1:50051"]
        [[tokens]]
        name = "a"
        """);

    assertThat(config.pluginId()).isEqualTo("static");
    assertThat(config.requiredString("file")).isEqualTo("endpoints.json");
    assertThat(config.duration("reload_interval", Duration.ZERO)).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.integer("limit", 0)).isEqualTo(3);
    assertThat(config.asMap().get("limit")).isInstanceOf(Long.class);
    assertThat(config.size("max", 0)).isEqualTo(8L << 20);
    assertThat(config.section("services").strings("helloworld.Greeter")).containsExactly("10.0.0.1:50051");
    assertThat(config.sections("tokens")).singleElement().satisfies(t -> assertThat(t.string("name")).contains("a"));
    assertThat(config.keys()).containsExactly("file", "reload_interval", "limit", "max", "services", "tokens");
  }

  @Test
  void errorsNameTheKeyByItsFullPathAndUnreadKeysAreRefusedAsInTheGateway() {
    TablePluginConfig config = TomlPluginConfig.parse("p", """
        services."a.B" = [1]
        misspelt = true
        """);

    assertThatThrownBy(() -> config.section("services").strings("a.B"))
        .isInstanceOfSatisfying(PluginConfigException.class, e -> assertThat(e.key()).isEqualTo("services.\"a.B\".0"));
    assertThatThrownBy(config::rejectUnread)
        .isInstanceOfSatisfying(PluginConfigException.class, e -> assertThat(e.key()).isEqualTo("misspelt"));
  }

  @Test
  void textThatIsNotTomlIsRefusedNamingItsLine() {
    assertThatThrownBy(() -> TomlPluginConfig.parse("p", "a = 1\nb = \n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("line 2, column ")
        .hasMessageContaining("invalid TOML");
  }

  @Test
  void anEmptySnippetIsAnEmptySection() {
    assertThat(TomlPluginConfig.parse("p", "").keys()).isEmpty();
    assertThat(TomlPluginConfig.parse("p", "# nothing\n").strings("x")).isEqualTo(List.of());
  }
}

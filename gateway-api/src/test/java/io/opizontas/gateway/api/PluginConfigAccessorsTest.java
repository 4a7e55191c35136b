package io.opizontas.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The required, size, number and duration accessors, on the configuration the gateway hands plugins. */
class PluginConfigAccessorsTest {

  @Test
  void aRequiredStringIsReturnedWhenPresentAndNamedWhenAbsentOrBlank() {
    TablePluginConfig config = new TablePluginConfig("p", Map.of("file", "a.json", "blank", " ", "n", 3L));

    assertThat(config.requiredString("file")).isEqualTo("a.json");
    assertThatThrownBy(() -> config.requiredString("missing"))
        .isInstanceOfSatisfying(PluginConfigException.class, e -> {
          assertThat(e.key()).isEqualTo("missing");
          assertThat(e.problem()).isEqualTo("is required");
        });
    assertThatThrownBy(() -> config.requiredString("blank")).hasMessage("blank: must not be empty");
    assertThatThrownBy(() -> config.requiredString("n")).hasMessage("n: expected a string but found long 3");
  }

  @Test
  void requireNamesTheFirstAbsentKeyWhateverTheTypesAndCountsAsReading() {
    TablePluginConfig config = new TablePluginConfig("p", Map.of("interval", "5s", "paths", List.of("a")));

    config.require("interval", "paths");
    config.rejectUnread();
    assertThatThrownBy(() -> config.require("interval", "ttl", "other"))
        .isInstanceOfSatisfying(PluginConfigException.class, e -> assertThat(e.key()).isEqualTo("ttl"));
  }

  @Test
  void aNestedRequiredKeyIsNamedByItsFullPath() {
    TablePluginConfig config = new TablePluginConfig("p", Map.of("tokens", List.of(Map.of("name", "a"), Map.of())));

    assertThatThrownBy(() -> config.sections("tokens").get(1).requiredString("sha256"))
        .isInstanceOfSatisfying(PluginConfigException.class, e -> assertThat(e.key()).isEqualTo("tokens.1.sha256"));
  }

  @Test
  void sizesAreBytesOrUnitsNeverNegativeAndZeroIsZero() {
    TablePluginConfig config = new TablePluginConfig("p",
        Map.of("plain", 65536L, "units", "8MiB", "zero", 0L, "negative", -1L, "minus", "-1KiB", "word", true));

    assertThat(config.size("plain", 1)).isEqualTo(65536);
    assertThat(config.size("units", 1)).isEqualTo(8L << 20);
    assertThat(config.size("zero", 1)).isZero();
    assertThat(config.size("absent", 7)).isEqualTo(7);
    assertThatThrownBy(() -> config.size("negative", 1)).hasMessage("negative: -1 is negative; a size is 0 or more bytes");
    assertThatThrownBy(() -> config.size("minus", 1)).hasMessageStartingWith("minus: '-1KiB' is not a size");
    assertThatThrownBy(() -> config.size("word", 1)).hasMessageStartingWith("word: expected a size");
  }

  @Test
  void numbersAreIntegersOrFiniteFloatsAndCountAsReading() {
    TablePluginConfig config = new TablePluginConfig("p", Map.of("rate", 0.25, "whole", 1L, "negative", -2.5,
        "infinite", Double.POSITIVE_INFINITY, "nan", Double.NaN, "text", "0.5"));

    assertThat(config.number("rate", 1)).isEqualTo(0.25);
    assertThat(config.number("whole", 0)).isEqualTo(1.0);
    assertThat(config.number("negative", 0)).isEqualTo(-2.5);
    assertThat(config.number("absent", 0.5)).isEqualTo(0.5);
    assertThatThrownBy(() -> config.number("infinite", 0)).hasMessage("infinite: expected a finite number but found Infinity");
    assertThatThrownBy(() -> config.number("nan", 0)).hasMessage("nan: expected a finite number but found NaN");
    assertThatThrownBy(() -> config.number("text", 0))
        .hasMessage("text: expected a number such as 0.25 but found the string \"0.5\"");
    config.rejectUnread();
  }

  @Test
  void durationsTakeZeroAndRefuseANegative() {
    TablePluginConfig config = new TablePluginConfig("p", Map.of("zero", "0", "zero_s", "0s", "negative", "-1s"));

    assertThat(config.duration("zero", Duration.ofSeconds(1))).isZero();
    assertThat(config.duration("zero_s", Duration.ofSeconds(1))).isZero();
    assertThatThrownBy(() -> config.duration("negative", Duration.ofSeconds(1)))
        .hasMessageStartingWith("negative: '-1s' is not a duration");
  }

  @Test
  void theDefaultMethodsWorkOnAConfigurationWrittenBeforeThem() {
    // A plugin's own stand-in that implements only what the interface had before: the defaults
    // read through asMap() and name keys through invalid().
    PluginConfig old = new TablePluginConfig("p", Map.of("file", "a", "size", "1KiB", "rate", 0.5, "word", "x"));
    PluginConfig delegating = new PluginConfig() {
      @Override public String pluginId() { return old.pluginId(); }
      @Override public List<String> keys() { return old.keys(); }
      @Override public void allowKeys(String... allowed) { old.allowKeys(allowed); }
      @Override public PluginConfigException invalid(String key, String message) { return old.invalid(key, message); }
      @Override public Map<String, Object> asMap() { return old.asMap(); }
      @Override public java.util.Optional<String> string(String key) { return old.string(key); }
      @Override public long integer(String key, long fallback) { return old.integer(key, fallback); }
      @Override public boolean bool(String key, boolean fallback) { return old.bool(key, fallback); }
      @Override public Duration duration(String key, Duration fallback) { return old.duration(key, fallback); }
      @Override public List<String> strings(String key) { return old.strings(key); }
      @Override public PluginConfig section(String key) { return old.section(key); }
      @Override public List<PluginConfig> sections(String key) { return old.sections(key); }
    };

    assertThat(delegating.requiredString("file")).isEqualTo("a");
    assertThat(delegating.size("size", 0)).isEqualTo(1024);
    assertThat(delegating.number("rate", 0)).isEqualTo(0.5);
    assertThatThrownBy(() -> delegating.number("word", 0)).hasMessageStartingWith("word: expected a number");
    assertThatThrownBy(() -> delegating.require("file", "other")).hasMessage("other: is required");
  }
}

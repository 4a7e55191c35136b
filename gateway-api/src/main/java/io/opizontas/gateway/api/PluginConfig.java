package io.opizontas.gateway.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A plugin's own section of the gateway's TOML configuration, as a typed, read-only view.
 *
 * <p>Getters throw {@link PluginConfigException} naming the key when a value has the wrong type, so
 * the runtime can refuse to start with a message that points at the file, the line the key itself
 * was written on (not its entry's {@code [[registries]]} header) and the key's full path, such as
 * {@code gateway.toml:12: registries.0.reload_interval: ...}. Instances are immutable and safe to
 * read from any thread.
 *
 * <p>The gateway hands plugins a {@link TablePluginConfig}, which also refuses, once {@code start}
 * has returned, any key the plugin neither read nor declared with {@link #allowKeys}; tests make
 * one from a map with its constructor, or from TOML text with {@code TomlPluginConfig} of the
 * {@code gateway-api-testing} kit.
 */
public interface PluginConfig {

  /** The id of the plugin this section configures. */
  String pluginId();

  /** The keys present in this section, in file order. */
  List<String> keys();

  /**
   * Rejects keys this section should not have, so a misspelt option fails the start instead of being
   * ignored.
   *
   * @throws PluginConfigException naming the first key of this section that is not in {@code
   *     allowed}, and listing the allowed ones
   */
  void allowKeys(String... allowed);

  /**
   * An exception for a value the plugin cannot accept, naming {@code key} by its full path from the
   * plugin's section (so a nested table's {@code sha256} is reported as {@code tokens.2.sha256}).
   * Throw it from {@code start}.
   */
  PluginConfigException invalid(String key, String message);

  /** The section as TOML gave it: nested maps, lists, strings, numbers and booleans. */
  Map<String, Object> asMap();

  /** A string value, or empty when the key is absent. */
  Optional<String> string(String key);

  /** A string value, or {@code fallback} when the key is absent. */
  default String string(String key, String fallback) {
    return string(key).orElse(fallback);
  }

  /**
   * A string value the plugin cannot do without.
   *
   * @throws PluginConfigException naming the key when it is absent ({@code is required}), blank
   *     ({@code must not be empty}) or not a string; the gateway then refuses to start, pointing at
   *     the key's line, or at the entry's when the key is absent
   */
  default String requiredString(String key) {
    String value = string(key).orElseThrow(() -> invalid(key, "is required"));
    if (value.isBlank()) {
      throw invalid(key, "must not be empty");
    }
    return value;
  }

  /**
   * Checks that every one of {@code keys} is present, whatever its type, so that a plugin with
   * required settings of other types reads them with the getters below afterwards: {@code
   * config.require("interval"); Duration interval = config.duration("interval", null);}. Counts as
   * reading the keys.
   *
   * @throws PluginConfigException naming the first absent key ({@code is required})
   */
  default void require(String... keys) {
    Map<String, Object> values = asMap();
    for (String key : keys) {
      if (!values.containsKey(key)) {
        throw invalid(key, "is required");
      }
    }
  }

  /** An integer value, or {@code fallback} when the key is absent. */
  long integer(String key, long fallback);

  /** A boolean value, or {@code fallback} when the key is absent. */
  boolean bool(String key, boolean fallback);

  /**
   * A number, written as a TOML integer ({@code 1}) or float ({@code 0.25}, {@code 1e-3}), or
   * {@code fallback} when the key is absent. For rates, fractions and factors; its range is the
   * plugin's to check, with {@link #invalid}.
   *
   * <p>A default method (contract 0.1.2), so that configurations written before it still compile; it
   * reads the value through {@link #asMap()}, and {@link TablePluginConfig} overrides it.
   *
   * @throws PluginConfigException naming the key when the value is not a number, or is {@code inf}
   *     or {@code nan}
   */
  default double number(String key, double fallback) {
    Object value = asMap().get(key);
    if (value == null) {
      return fallback;
    }
    try {
      return Numbers.finite(value);
    } catch (IllegalArgumentException e) {
      throw invalid(key, e.getMessage());
    }
  }

  /**
   * A duration written as a string such as {@code "250ms"}, {@code "30s"}, {@code "5m"} or {@code
   * "1h"} (see {@link Durations#parse}), or {@code fallback} when the key is absent.
   *
   * <p>{@code "0"} (or {@code "0s"}) gives {@link Duration#ZERO}: what zero means (off, at once,
   * no limit) is the plugin's to say in its documentation, and one that cannot use it refuses it
   * with {@link #invalid}. A negative duration cannot be written: {@code "-1s"} is refused here, like
   * any other text that is not a duration.
   *
   * @throws PluginConfigException naming the key when the value is not such a string
   */
  Duration duration(String key, Duration fallback);

  /**
   * A size in bytes, written as an integer ({@code 65536}) or a string with a binary unit ({@code
   * "64KiB"}, {@code "8MiB"}, {@code "1GiB"}; see {@link Sizes#parse}), or {@code fallback} when
   * the key is absent.
   *
   * <p>Zero is returned as 0: what it means (unlimited, off) is the plugin's to say, and one that
   * cannot use it refuses it with {@link #invalid}. A negative size is refused here.
   *
   * <p>A default method, so that configurations written before it still compile; it reads the
   * value through {@link #asMap()}, and {@link TablePluginConfig} overrides it.
   *
   * @throws PluginConfigException naming the key when the value is negative, or neither an integer
   *     nor such a string
   */
  default long size(String key, long fallback) {
    Object value = asMap().get(key);
    if (value == null) {
      return fallback;
    }
    try {
      return Sizes.of(value);
    } catch (IllegalArgumentException e) {
      throw invalid(key, e.getMessage());
    }
  }

  /** A list of strings; empty when the key is absent. */
  List<String> strings(String key);

  /** A nested table; an empty section when the key is absent. */
  PluginConfig section(String key);

  /** An array of tables ({@code [[key]]}); empty when the key is absent. */
  List<PluginConfig> sections(String key);
}

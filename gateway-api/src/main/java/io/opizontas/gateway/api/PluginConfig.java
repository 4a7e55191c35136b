package io.opizontas.gateway.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A plugin's own section of the gateway's TOML configuration, as a typed, read-only view.
 *
 * <p>Getters throw {@link PluginConfigException} naming the key when a value has the wrong type, so
 * the runtime can refuse to start with a message that points at the file and key. Instances are
 * immutable and safe to read from any thread.
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

  /** An integer value, or {@code fallback} when the key is absent. */
  long integer(String key, long fallback);

  /** A boolean value, or {@code fallback} when the key is absent. */
  boolean bool(String key, boolean fallback);

  /**
   * A duration written as a string such as {@code "250ms"}, {@code "30s"}, {@code "5m"} or {@code
   * "1h"}, or {@code fallback} when the key is absent.
   */
  Duration duration(String key, Duration fallback);

  /** A list of strings; empty when the key is absent. */
  List<String> strings(String key);

  /** A nested table; an empty section when the key is absent. */
  PluginConfig section(String key);

  /** An array of tables ({@code [[key]]}); empty when the key is absent. */
  List<PluginConfig> sections(String key);
}

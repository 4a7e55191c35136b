package io.opizontas.gateway.config;

import io.opizontas.gateway.api.PluginConfigException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code [[registries]]} or {@code [[chain]]} entry: the plugin id it binds and the rest of the
 * table, handed to the plugin as its own configuration.
 *
 * @param plugin   the plugin id
 * @param settings every other key of the entry, as TOML gave it, in file order: nested maps, lists,
 *                 strings, longs, doubles and booleans (TOML date-times as their text)
 * @param origin   where the entry was written ({@code file:line}), for error messages
 * @param keys     where each of its keys was written, for refusing one of them
 */
public record PluginSection(String plugin, Map<String, Object> settings, String origin, EntryKeys keys) {

  public PluginSection {
    // Not Map.copyOf: plugins see their keys in file order (PluginConfig.keys()).
    settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
  }

  /** An entry not read from a file (made up by the gateway or a test): keys have no lines. */
  public PluginSection(String plugin, Map<String, Object> settings, String origin) {
    this(plugin, settings, origin, EntryKeys.implied(origin));
  }

  /**
   * The refusal of {@code key} of this entry, naming file, line, the key's full path and the
   * plugin, like any other bad setting: {@code gateway.toml:9: registries.0.service: unknown key;
   * expected one of services, file, reload_interval (plugin 'static')}.
   *
   * @param refused the plugin's complaint, naming the key dotted from the entry
   */
  public ConfigException refuse(PluginConfigException refused) {
    ConfigException refusal = keys.refuse(refused.key(), refused.problem() + " (plugin '" + plugin + "')");
    refusal.initCause(refused);
    return refusal;
  }
}

package io.opizontas.gateway.config;

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
 */
public record PluginSection(String plugin, Map<String, Object> settings, String origin) {

  public PluginSection {
    // Not Map.copyOf: plugins see their keys in file order (PluginConfig.keys()).
    settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
  }
}

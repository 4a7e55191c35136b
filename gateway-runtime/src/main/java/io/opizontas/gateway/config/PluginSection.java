package io.opizontas.gateway.config;

import java.util.Map;

/**
 * One {@code [[registries]]} or {@code [[chain]]} entry: the plugin id it binds and the rest of the
 * table, handed to the plugin as its own configuration.
 *
 * @param plugin   the plugin id
 * @param settings every other key of the entry, as TOML gave it
 * @param origin   where the entry was written ({@code file:line}), for error messages
 */
public record PluginSection(String plugin, Map<String, Object> settings, String origin) {

  public PluginSection {
    settings = Map.copyOf(settings);
  }
}

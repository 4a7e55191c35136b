package io.opizontas.bench.balancing;

import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginConfigException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A strategy's options as a flat map of strings and integers, which is all the shipped strategies
 * read. The runtime's TOML-backed configuration is not needed to measure a pick.
 */
final class OptionsConfig implements PluginConfig {

  private final String pluginId;
  private final Map<String, Object> values;

  OptionsConfig(String pluginId, Map<String, Object> values) {
    this.pluginId = pluginId;
    this.values = Map.copyOf(values);
  }

  @Override
  public String pluginId() {
    return pluginId;
  }

  @Override
  public List<String> keys() {
    return List.copyOf(values.keySet());
  }

  @Override
  public void allowKeys(String... allowed) {
    for (String key : values.keySet()) {
      if (!List.of(allowed).contains(key)) {
        throw invalid(key, "unknown key");
      }
    }
  }

  @Override
  public PluginConfigException invalid(String key, String message) {
    return new PluginConfigException(key, message);
  }

  @Override
  public Map<String, Object> asMap() {
    return values;
  }

  @Override
  public Optional<String> string(String key) {
    return Optional.ofNullable((String) values.get(key));
  }

  @Override
  public long integer(String key, long fallback) {
    Object value = values.get(key);
    return value == null ? fallback : ((Number) value).longValue();
  }

  @Override
  public boolean bool(String key, boolean fallback) {
    Object value = values.get(key);
    return value == null ? fallback : (Boolean) value;
  }

  @Override
  public Duration duration(String key, Duration fallback) {
    throw new UnsupportedOperationException("no shipped strategy reads a duration");
  }

  @Override
  public List<String> strings(String key) {
    throw new UnsupportedOperationException("no shipped strategy reads a list");
  }

  @Override
  public PluginConfig section(String key) {
    throw new UnsupportedOperationException("no shipped strategy reads a section");
  }

  @Override
  public List<PluginConfig> sections(String key) {
    throw new UnsupportedOperationException("no shipped strategy reads a section");
  }
}

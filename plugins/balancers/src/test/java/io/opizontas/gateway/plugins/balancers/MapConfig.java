package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginConfigException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A flat {@link PluginConfig} over a map, enough for strategy options (strings and integers). The
 * runtime's own implementation lives in gateway-runtime, which this module does not depend on.
 */
final class MapConfig implements PluginConfig {

  private final Map<String, Object> values;

  MapConfig(Map<String, Object> values) {
    this.values = values;
  }

  static MapConfig empty() {
    return new MapConfig(Map.of());
  }

  @Override
  public String pluginId() {
    return "balancers";
  }

  @Override
  public List<String> keys() {
    return List.copyOf(values.keySet());
  }

  @Override
  public void allowKeys(String... allowed) {
    for (String key : values.keySet()) {
      if (!List.of(allowed).contains(key)) {
        throw new PluginConfigException(key, "unknown key");
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
    Object value = values.get(key);
    if (value != null && !(value instanceof String)) {
      throw new PluginConfigException(key, "expected a string");
    }
    return Optional.ofNullable((String) value);
  }

  @Override
  public long integer(String key, long fallback) {
    Object value = values.get(key);
    if (value != null && !(value instanceof Long)) {
      throw new PluginConfigException(key, "expected an integer");
    }
    return value == null ? fallback : (Long) value;
  }

  @Override
  public boolean bool(String key, boolean fallback) {
    throw new UnsupportedOperationException("strategies read no booleans");
  }

  @Override
  public Duration duration(String key, Duration fallback) {
    throw new UnsupportedOperationException("strategies read no durations");
  }

  @Override
  public List<String> strings(String key) {
    throw new UnsupportedOperationException("strategies read no lists");
  }

  @Override
  public PluginConfig section(String key) {
    throw new UnsupportedOperationException("strategies read no sections");
  }

  @Override
  public List<PluginConfig> sections(String key) {
    throw new UnsupportedOperationException("strategies read no sections");
  }
}

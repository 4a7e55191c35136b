package io.opizontas.gateway.plugin;

import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginConfigException;
import io.opizontas.gateway.config.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link PluginConfig} over one TOML table (nested maps and lists as the TOML reader gives them).
 * Type errors name the dotted key from the plugin's section.
 */
public final class TablePluginConfig implements PluginConfig {

  private final String pluginId;
  private final String prefix;
  private final Map<String, Object> table;

  public TablePluginConfig(String pluginId, Map<String, ?> table) {
    this(pluginId, "", table);
  }

  private TablePluginConfig(String pluginId, String prefix, Map<String, ?> table) {
    this.pluginId = pluginId;
    this.prefix = prefix;
    this.table = Collections.unmodifiableMap(new LinkedHashMap<>(table));
  }

  @Override
  public String pluginId() {
    return pluginId;
  }

  @Override
  public List<String> keys() {
    return List.copyOf(table.keySet());
  }

  @Override
  public void allowKeys(String... allowed) {
    List<String> known = List.of(allowed);
    for (String key : table.keySet()) {
      if (!known.contains(key)) {
        throw new PluginConfigException(
            path(key), "unknown key; " + (known.isEmpty() ? "this section takes no keys" : "expected one of " + String.join(", ", known)));
      }
    }
  }

  @Override
  public PluginConfigException invalid(String key, String message) {
    return new PluginConfigException(path(key), message);
  }

  @Override
  public Map<String, Object> asMap() {
    return table;
  }

  @Override
  public Optional<String> string(String key) {
    Object value = table.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (value instanceof String s) {
      return Optional.of(s);
    }
    throw wrongType(key, "a string", value);
  }

  @Override
  public long integer(String key, long fallback) {
    Object value = table.get(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Number n && !(value instanceof Double) && !(value instanceof Float)) {
      return n.longValue();
    }
    throw wrongType(key, "an integer", value);
  }

  @Override
  public boolean bool(String key, boolean fallback) {
    Object value = table.get(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    throw wrongType(key, "true or false", value);
  }

  @Override
  public Duration duration(String key, Duration fallback) {
    Optional<String> text = string(key);
    if (text.isEmpty()) {
      return fallback;
    }
    try {
      return Durations.parse(text.get());
    } catch (IllegalArgumentException e) {
      throw new PluginConfigException(path(key), e.getMessage());
    }
  }

  @Override
  public List<String> strings(String key) {
    Object value = table.get(key);
    if (value == null) {
      return List.of();
    }
    if (value instanceof List<?> list) {
      List<String> result = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) {
        if (!(list.get(i) instanceof String s)) {
          throw wrongType(key + "." + i, "a string", list.get(i));
        }
        result.add(s);
      }
      return List.copyOf(result);
    }
    throw wrongType(key, "a list of strings", value);
  }

  @Override
  public PluginConfig section(String key) {
    Object value = table.get(key);
    if (value == null) {
      return new TablePluginConfig(pluginId, path(key) + ".", Map.of());
    }
    if (value instanceof Map<?, ?> map) {
      return new TablePluginConfig(pluginId, path(key) + ".", stringKeys(key, map));
    }
    throw wrongType(key, "a table", value);
  }

  @Override
  public List<PluginConfig> sections(String key) {
    Object value = table.get(key);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> list)) {
      throw wrongType(key, "an array of tables", value);
    }
    List<PluginConfig> result = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      String item = key + "." + i;
      if (!(list.get(i) instanceof Map<?, ?> map)) {
        throw wrongType(item, "a table", list.get(i));
      }
      result.add(new TablePluginConfig(pluginId, path(item) + ".", stringKeys(item, map)));
    }
    return List.copyOf(result);
  }

  private Map<String, Object> stringKeys(String key, Map<?, ?> map) {
    Map<String, Object> result = new LinkedHashMap<>();
    map.forEach((k, v) -> result.put(String.valueOf(k), v));
    return result;
  }

  private String path(String key) {
    return prefix + key;
  }

  private PluginConfigException wrongType(String key, String expected, Object actual) {
    return new PluginConfigException(
        path(key), "expected " + expected + " but found " + describe(actual));
  }

  private static String describe(Object value) {
    if (value instanceof String s) {
      return "the string \"" + s + "\"";
    }
    if (value instanceof Map) {
      return "a table";
    }
    if (value instanceof List) {
      return "a list";
    }
    return value.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + " " + value;
  }

  @Override
  public String toString() {
    return "PluginConfig[" + pluginId + "]" + table;
  }
}

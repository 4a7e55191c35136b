package io.opizontas.gateway.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link PluginConfig} the gateway hands every plugin: a view of one TOML table, as nested maps
 * and lists of strings, longs, doubles and booleans (TOML date-times as their text). Errors name
 * the key by its path from the plugin's section, written as TOML writes it ({@code
 * services."helloworld.Greeter".0}); the runtime adds the file and the key's line.
 *
 * <p>Public so that a plugin's tests read their configuration exactly as the gateway will: make one
 * from a map with the constructor, or from TOML text with {@code TomlPluginConfig.parse} of the
 * {@code gateway-api-testing} kit, and call {@link #rejectUnread()} after {@code start} as the
 * runtime does.
 *
 * <p>It also remembers what the plugin looked at, so that {@link #rejectUnread()} can refuse a key
 * the plugin neither declared ({@link #allowKeys}) nor read: a plugin that never calls {@code
 * allowKeys} still cannot have a misspelt key silently ignored. Views made by {@link #section} and
 * {@link #sections} share that memory with the view they came from.
 */
public final class TablePluginConfig implements PluginConfig {

  private final String pluginId;
  private final List<String> at;
  private final Map<String, Object> table;
  private final Reads reads;

  /**
   * A plugin's section.
   *
   * @param pluginId the plugin it configures
   * @param table    its keys and values as TOML gives them (nested {@code Map}s and {@code List}s,
   *                 strings, {@code Long}s, {@code Double}s, booleans); copied
   */
  public TablePluginConfig(String pluginId, Map<String, ?> table) {
    this(pluginId, List.of(), table, new Reads());
  }

  private TablePluginConfig(String pluginId, List<String> at, Map<String, ?> table, Reads reads) {
    this.pluginId = pluginId;
    this.at = List.copyOf(at);
    this.table = Collections.unmodifiableMap(new LinkedHashMap<>(table));
    this.reads = reads;
  }

  /**
   * What the plugin has looked at, by key path from its section. Concurrent sets: a plugin may read
   * its configuration from any thread.
   */
  private static final class Reads {
    /** Keys read by a getter, or whose table was opened with section(s). */
    final Set<List<String>> keys = ConcurrentHashMap.newKeySet();
    /** Tables whose keys the plugin declared (allowKeys) or enumerated itself (keys). */
    final Set<List<String>> declared = ConcurrentHashMap.newKeySet();
    /** Tables the plugin took whole (asMap): everything below is the plugin's business. */
    final Set<List<String>> whole = ConcurrentHashMap.newKeySet();
    /** Nested tables the plugin opened as a view, whose own keys are checked in turn. */
    final Set<List<String>> opened = ConcurrentHashMap.newKeySet();
  }

  /**
   * Refuses the first key, at any depth, that the plugin neither declared with {@link #allowKeys}
   * nor read, nor enumerated with {@link #keys()}, nor took whole with {@link #asMap()}. The runtime
   * calls it on the section it handed to a plugin once the plugin's {@code start} has returned.
   *
   * @throws PluginConfigException naming the key and the keys the plugin did read beside it
   */
  public void rejectUnread() {
    rejectUnread(List.of(), table);
  }

  private void rejectUnread(List<String> path, Map<String, ?> values) {
    if (reads.whole.contains(path)) {
      return;
    }
    boolean declared = reads.declared.contains(path);
    for (Map.Entry<String, ?> entry : values.entrySet()) {
      List<String> key = with(path, entry.getKey());
      if (!declared && !reads.keys.contains(key)) {
        List<String> read = values.keySet().stream()
            .filter(k -> reads.keys.contains(with(path, k)))
            .map(TomlKeys::segment)
            .toList();
        throw new PluginConfigException(
            TomlKeys.dotted(key),
            "unknown key; the plugin "
                + (read.isEmpty() ? "reads no key here" : "reads only " + String.join(", ", read) + " here"));
      }
      if (entry.getValue() instanceof Map<?, ?> nested && reads.opened.contains(key)) {
        rejectUnread(key, stringKeys(nested));
      } else if (entry.getValue() instanceof List<?> list) {
        for (int i = 0; i < list.size(); i++) {
          List<String> item = with(key, String.valueOf(i));
          if (list.get(i) instanceof Map<?, ?> nested && reads.opened.contains(item)) {
            rejectUnread(item, stringKeys(nested));
          }
        }
      }
    }
  }

  @Override
  public String pluginId() {
    return pluginId;
  }

  @Override
  public List<String> keys() {
    reads.declared.add(at);
    return List.copyOf(table.keySet());
  }

  @Override
  public void allowKeys(String... allowed) {
    reads.declared.add(at);
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
    // A key of this table is one segment, whatever it holds; anything else is the plugin's own path.
    return new PluginConfigException(table.containsKey(key) ? path(key) : dotted() + key, message);
  }

  @Override
  public Map<String, Object> asMap() {
    reads.whole.add(at);
    return table;
  }

  @Override
  public Optional<String> string(String key) {
    Object value = read(key);
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
    Object value = read(key);
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
    Object value = read(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    throw wrongType(key, "true or false", value);
  }

  @Override
  public double number(String key, double fallback) {
    Object value = read(key);
    if (value == null) {
      return fallback;
    }
    try {
      return Numbers.finite(value);
    } catch (IllegalArgumentException e) {
      throw new PluginConfigException(path(key), e.getMessage());
    }
  }

  @Override
  public void require(String... keys) {
    for (String key : keys) {
      if (read(key) == null) {
        throw invalid(key, "is required");
      }
    }
  }

  @Override
  public long size(String key, long fallback) {
    Object value = read(key);
    if (value == null) {
      return fallback;
    }
    try {
      return Sizes.of(value);
    } catch (IllegalArgumentException e) {
      throw new PluginConfigException(path(key), e.getMessage());
    }
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
    Object value = read(key);
    if (value == null) {
      return List.of();
    }
    if (value instanceof List<?> list) {
      List<String> result = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) {
        if (!(list.get(i) instanceof String s)) {
          throw new PluginConfigException(
              path(key) + "." + i, "expected a string but found " + describe(list.get(i)));
        }
        result.add(s);
      }
      return List.copyOf(result);
    }
    throw wrongType(key, "a list of strings", value);
  }

  @Override
  public PluginConfig section(String key) {
    Object value = read(key);
    if (value == null) {
      return new TablePluginConfig(pluginId, with(at, key), Map.of(), reads);
    }
    if (value instanceof Map<?, ?> map) {
      reads.opened.add(with(at, key));
      return new TablePluginConfig(pluginId, with(at, key), stringKeys(map), reads);
    }
    throw wrongType(key, "a table", value);
  }

  @Override
  public List<PluginConfig> sections(String key) {
    Object value = read(key);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> list)) {
      throw wrongType(key, "an array of tables", value);
    }
    List<PluginConfig> result = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      List<String> item = with(with(at, key), String.valueOf(i));
      if (!(list.get(i) instanceof Map<?, ?> map)) {
        throw new PluginConfigException(TomlKeys.dotted(item), "expected a table but found " + describe(list.get(i)));
      }
      reads.opened.add(item);
      result.add(new TablePluginConfig(pluginId, item, stringKeys(map), reads));
    }
    return List.copyOf(result);
  }

  private Object read(String key) {
    reads.keys.add(with(at, key));
    return table.get(key);
  }

  private static Map<String, Object> stringKeys(Map<?, ?> map) {
    Map<String, Object> result = new LinkedHashMap<>();
    map.forEach((k, v) -> result.put(String.valueOf(k), v));
    return result;
  }

  private static List<String> with(List<String> head, String last) {
    List<String> all = new ArrayList<>(head.size() + 1);
    all.addAll(head);
    all.add(last);
    return List.copyOf(all);
  }

  /** This table's path with a trailing dot, or nothing at the section's top. */
  private String dotted() {
    return at.isEmpty() ? "" : TomlKeys.dotted(at) + ".";
  }

  /** The path of {@code key} of this table. */
  private String path(String key) {
    return TomlKeys.dotted(with(at, key));
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

package io.opizontas.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opizontas.gateway.api.Durations;
import io.opizontas.gateway.api.Sizes;
import io.opizontas.gateway.api.TomlKeys;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One table of the gateway's TOML, read key by key into typed values. Every getter both reads a key
 * and declares it known, so {@link #rejectUnknownKeys()} can name a misspelt key and list the right
 * ones. Every error is a {@link ConfigException} naming file, line and dotted key.
 */
final class TomlTable {

  /** Where the document came from: its name for messages and the line of each key. */
  record Source(String name, KeyLines lines) {

    ConfigException error(List<String> path, String problem) {
      int line = lines.lineOf(path);
      return new ConfigException(
          line > 0 ? name + ":" + line : name, TomlKeys.dotted(path), problem);
    }
  }

  private final Source source;
  private final List<String> path;
  private final ObjectNode node;
  private final Set<String> known = new LinkedHashSet<>();

  TomlTable(Source source, List<String> path, ObjectNode node) {
    this.source = source;
    this.path = List.copyOf(path);
    this.node = node;
  }

  /** The file and line of this table, as {@code file:line} (just the file when unknown). */
  String origin() {
    int line = source.lines().lineOf(path);
    return line > 0 ? source.name() + ":" + line : source.name();
  }

  /** Where each key below this table was written, for refusing a plugin's key. */
  EntryKeys entryKeys() {
    return new EntryKeys(origin(), source.name(), path, source.lines().under(path));
  }

  /** A nested table; an empty one when the key is absent. */
  TomlTable table(String key) {
    JsonNode value = value(key);
    if (value == null) {
      return new TomlTable(source, child(key), node.objectNode());
    }
    if (!(value instanceof ObjectNode table)) {
      throw error(key, "expected a table but found " + describe(value));
    }
    return new TomlTable(source, child(key), table);
  }

  /** An array of tables ({@code [[key]]}); empty when the key is absent. */
  List<TomlTable> tables(String key) {
    JsonNode value = value(key);
    if (value == null) {
      return List.of();
    }
    if (!value.isArray()) {
      throw error(key, "expected an array of tables ([[" + key + "]]) but found " + describe(value));
    }
    List<TomlTable> tables = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      List<String> element = with(child(key), String.valueOf(i));
      if (!(value.get(i) instanceof ObjectNode table)) {
        throw source.error(element, "expected a table but found " + describe(value.get(i)));
      }
      tables.add(new TomlTable(source, element, table));
    }
    return List.copyOf(tables);
  }

  /** A string that must be present and not blank. */
  String requiredString(String key) {
    JsonNode value = value(key);
    if (value == null) {
      throw source.error(path, "'" + key + "' is missing");
    }
    if (!value.isTextual()) {
      throw error(key, "expected a string but found " + describe(value));
    }
    if (value.asText().isBlank()) {
      throw error(key, "must not be empty");
    }
    return value.asText();
  }

  /** A non-blank string, or {@code fallback} when absent. */
  String string(String key, String fallback) {
    return node.has(key) ? requiredString(key) : markKnown(key, fallback);
  }

  /** true or false, or {@code fallback} when absent. */
  boolean bool(String key, boolean fallback) {
    JsonNode value = value(key);
    if (value == null) {
      return fallback;
    }
    if (!value.isBoolean()) {
      throw error(key, "expected true or false but found " + describe(value));
    }
    return value.booleanValue();
  }

  /** An array of non-blank strings; empty when absent. */
  List<String> strings(String key) {
    JsonNode value = value(key);
    if (value == null) {
      return List.of();
    }
    if (!value.isArray()) {
      throw error(key, "expected an array of strings but found " + describe(value));
    }
    List<String> strings = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      JsonNode item = value.get(i);
      if (!item.isTextual() || item.asText().isBlank()) {
        throw source.error(with(child(key), String.valueOf(i)), "expected a non-empty string but found " + describe(item));
      }
      strings.add(item.asText());
    }
    return List.copyOf(strings);
  }

  /** An error about {@code key} of this table, for checks the getters cannot make. */
  ConfigException refuse(String key, String problem) {
    return error(key, problem);
  }

  private <T> T markKnown(String key, T fallback) {
    known.add(key);
    return fallback;
  }

  /** An integer in {@code min..max}, or {@code fallback} when absent. */
  int integer(String key, int fallback, int min, int max) {
    JsonNode value = value(key);
    if (value == null) {
      return fallback;
    }
    if (!value.isIntegralNumber()) {
      throw error(key, "expected an integer but found " + describe(value));
    }
    return inRange(key, value.bigIntegerValue(), min, max, "");
  }

  /** A byte size (an integer, or a string such as "8MiB") in {@code min..max}, or {@code fallback}. */
  int size(String key, int fallback, int min, int max) {
    JsonNode value = value(key);
    if (value == null) {
      return fallback;
    }
    BigInteger bytes;
    if (value.isIntegralNumber()) {
      bytes = value.bigIntegerValue();
    } else if (value.isTextual()) {
      bytes = BigInteger.valueOf(parsed(key, value.asText(), Sizes::parse));
    } else {
      throw error(key, "expected a size such as 65536 or \"8MiB\" but found " + describe(value));
    }
    return inRange(key, bytes, min, max, " bytes");
  }

  /**
   * A duration string such as "30s", or {@code fallback} when absent. Zero (written {@code "0"} or
   * {@code 0}) is accepted only where {@code zeroMeans} says what it does.
   */
  Duration duration(String key, Duration fallback, String zeroMeans) {
    JsonNode value = value(key);
    if (value == null) {
      return fallback;
    }
    Duration duration;
    if (value.isIntegralNumber() && value.bigIntegerValue().signum() == 0) {
      duration = Duration.ZERO;
    } else if (value.isTextual()) {
      duration = parsed(key, value.asText(), Durations::parse);
    } else {
      throw error(key, "expected a duration such as \"30s\" but found " + describe(value));
    }
    if (duration.isZero() && zeroMeans == null) {
      throw error(key, "must be longer than 0");
    }
    return duration;
  }

  /** A {@code host:port} address, or {@code fallback} when absent. */
  InetSocketAddress address(String key, InetSocketAddress fallback) {
    JsonNode value = value(key);
    if (value == null) {
      return fallback;
    }
    if (!value.isTextual()) {
      throw error(key, "expected \"host:port\" but found " + describe(value));
    }
    return parsed(key, value.asText(), HostPort::parse);
  }

  /** A file system path, or {@code fallback} when absent. */
  Path path(String key, Path fallback) {
    JsonNode value = value(key);
    if (value == null) {
      return fallback;
    }
    if (!value.isTextual()) {
      throw error(key, "expected a path but found " + describe(value));
    }
    if (value.asText().isBlank()) {
      throw error(key, "must not be empty");
    }
    return parsed(key, value.asText(), Path::of);
  }

  /**
   * Every key not read so far, as plain Java values (maps, lists, strings, longs, doubles,
   * booleans), in file order; a plugin's settings. Declares them all known.
   */
  /** Whether the table has no keys at all (or is absent from the file). */
  boolean isEmpty() {
    return node.isEmpty();
  }

  Map<String, Object> rest() {
    Map<String, Object> rest = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (known.add(field.getKey())) {
        rest.put(field.getKey(), plain(child(field.getKey()), field.getValue()));
      }
    }
    return Collections.unmodifiableMap(rest);
  }

  /** Refuses the first key that no getter asked for. Call after reading every key. */
  void rejectUnknownKeys() {
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String name = field.getKey();
      if (!known.contains(name)) {
        String expected = known.isEmpty() ? "none" : String.join(", ", known);
        throw error(name, "unknown key (known here: " + expected + ")");
      }
    }
  }

  private JsonNode value(String key) {
    known.add(key);
    return node.get(key);
  }

  private Object plain(List<String> at, JsonNode value) {
    if (value.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> field : value.properties()) {
        map.put(field.getKey(), plain(with(at, field.getKey()), field.getValue()));
      }
      return Collections.unmodifiableMap(map);
    }
    if (value.isArray()) {
      List<Object> list = new ArrayList<>(value.size());
      for (int i = 0; i < value.size(); i++) {
        list.add(plain(with(at, String.valueOf(i)), value.get(i)));
      }
      return Collections.unmodifiableList(list);
    }
    if (value.isIntegralNumber()) {
      if (!value.canConvertToLong()) {
        throw source.error(at, value + " does not fit a 64-bit integer");
      }
      return value.longValue();
    }
    if (value.isNumber()) {
      return value.doubleValue();
    }
    if (value.isBoolean()) {
      return value.booleanValue();
    }
    return value.asText();
  }

  private int inRange(String key, BigInteger value, int min, int max, String unit) {
    if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
      throw error(key, value + unit + " is outside " + min + ".." + max);
    }
    return value.intValue();
  }

  private <T> T parsed(String key, String text, Function<String, T> parser) {
    try {
      return parser.apply(text);
    } catch (IllegalArgumentException e) {
      throw error(key, e.getMessage());
    }
  }

  private ConfigException error(String key, String problem) {
    return source.error(child(key), problem);
  }

  private List<String> child(String key) {
    return with(path, key);
  }

  private static List<String> with(List<String> head, String last) {
    List<String> all = new ArrayList<>(head);
    all.add(last);
    return all;
  }

  private static String describe(JsonNode value) {
    if (value.isTextual()) {
      return "the string \"" + value.asText() + "\"";
    }
    if (value.isObject()) {
      return "a table";
    }
    if (value.isArray()) {
      return "an array";
    }
    if (value.isBoolean()) {
      return "the boolean " + value.asText();
    }
    if (value.isIntegralNumber()) {
      return "the integer " + value.asText();
    }
    return "the number " + value.asText();
  }
}

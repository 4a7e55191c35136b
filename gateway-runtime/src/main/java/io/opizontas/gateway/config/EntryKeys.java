package io.opizontas.gateway.config;

import io.opizontas.gateway.api.TomlKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the keys of one {@code [[registries]]} or {@code [[chain]]} entry were written, so that a
 * plugin's complaint about one of its keys is refused like any other setting, with file, line and
 * the key's full path ({@code gateway.toml:9: registries.0.service: unknown key ...}).
 */
public final class EntryKeys {

  private final String origin;
  private final String source;
  private final List<String> entry;
  private final Map<List<String>, Integer> lines;

  /**
   * @param origin where the entry itself was written ({@code file:line}), used when no line is known
   * @param source the file's name, or {@code null} when the entry was not written in a file
   * @param entry  the entry's path in the document ({@code ["registries", "0"]})
   * @param lines  the line of every key path below the entry, relative to it
   */
  EntryKeys(String origin, String source, List<String> entry, Map<List<String>, Integer> lines) {
    this.origin = origin;
    this.source = source;
    this.entry = List.copyOf(entry);
    this.lines = Map.copyOf(lines);
  }

  /** For an entry the gateway made up itself (an implied registry): no file, no lines. */
  public static EntryKeys implied(String origin) {
    return new EntryKeys(origin, null, List.of(), Map.of());
  }

  /**
   * The refusal of {@code key} of this entry: {@code file:line: full.key: problem}.
   *
   * @param key dotted from the entry as {@link TomlKeys#dotted} writes it; a plugin's own spelling
   *     still works, placed on the line of the nearest key it names
   */
  public ConfigException refuse(String key, String problem) {
    if (source == null) {
      return new ConfigException(origin, key, problem);
    }
    List<String> path = TomlKeys.split(key);
    String location = origin;
    for (int n = path.size(); n > 0; n--) {
      Integer line = lines.get(path.subList(0, n));
      if (line != null) {
        location = source + ":" + line;
        break;
      }
    }
    List<String> full = new ArrayList<>(entry);
    full.addAll(path);
    return new ConfigException(location, TomlKeys.dotted(full), problem);
  }
}

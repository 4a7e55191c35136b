package io.opizontas.gateway.api.testing;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.TablePluginConfig;
import java.util.Map;

/**
 * A plugin's configuration written as TOML, read as the gateway reads the plugin's section of its
 * file: the snippet is the section's body, without the {@code [[registries]]} or {@code [[chain]]}
 * header and without the {@code plugin} key.
 *
 * <pre>{@code
 * TablePluginConfig config = TomlPluginConfig.parse("static", """
 *     file = "endpoints.json"
 *     reload_interval = "5s"
 *     """);
 * backend.start(config, context, sink);
 * config.rejectUnread(); // what the gateway does once start returns
 * }</pre>
 *
 * <p>The result is the {@link TablePluginConfig} the gateway itself hands plugins, so getters,
 * {@link PluginConfig#allowKeys} and {@link TablePluginConfig#rejectUnread()} behave, and word their
 * errors, exactly as in the gateway; errors name the key by its full path ({@code tokens.1.sha256}).
 * Only the gateway adds the file and the line to them.
 */
public final class TomlPluginConfig {

  /** Integers as {@code Long}, as the gateway hands them; date-times stay text. */
  private static final ObjectReader TOML =
      new TomlMapper().readerFor(Map.class).with(DeserializationFeature.USE_LONG_FOR_INTS);

  private TomlPluginConfig() {}

  /**
   * Reads {@code toml} as the section of plugin {@code pluginId}.
   *
   * @throws IllegalArgumentException when the text is not TOML, naming the line and column ({@code
   *     line 2, column 9: invalid TOML: ...})
   */
  public static TablePluginConfig parse(String pluginId, String toml) {
    Map<String, Object> section;
    try {
      section = TOML.readValue(toml);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null || at.getLineNr() <= 0 ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
      throw new IllegalArgumentException(where + "invalid TOML: " + e.getOriginalMessage(), e);
    }
    return new TablePluginConfig(pluginId, section == null ? Map.of() : section);
  }
}

package io.opizontas.gateway.config;

import java.nio.file.Path;

/**
 * Where plugins come from ({@code [plugins]}).
 *
 * @param directory the PF4J plugins directory; relative paths resolve against the working directory
 */
public record PluginsConfig(Path directory) {

  public static PluginsConfig defaults() {
    return new PluginsConfig(Path.of("plugins"));
  }
}

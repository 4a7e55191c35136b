package io.opizontas.gateway.config;

import java.nio.file.Path;

/**
 * Where plugins come from ({@code [plugins]}).
 *
 * @param directory the PF4J plugins directory; {@code opizontas run} resolves a relative one against
 *                  the gateway home ({@code -Dopizontas.home}, set by {@code bin/opizontas}) or,
 *                  without a home, the working directory
 */
public record PluginsConfig(Path directory) {

  public static PluginsConfig defaults() {
    return new PluginsConfig(Path.of("plugins"));
  }
}

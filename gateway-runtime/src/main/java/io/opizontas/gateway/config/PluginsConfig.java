package io.opizontas.gateway.config;

import java.nio.file.Path;

/**
 * Where plugins come from ({@code [plugins]}).
 *
 * @param directory the PF4J plugins directory; {@code opizontas run} resolves a relative one against
 *                  the gateway home ({@code -Dopizontas.home}, set by {@code bin/opizontas}) or,
 *                  without a home, the working directory
 * @param home      what relative paths are resolved against, lent to plugins as their context's
 *                  {@code home()}: the gateway home, or the working directory without one
 */
public record PluginsConfig(Path directory, Path home) {

  /** Plugins from {@code directory}, with the working directory as home. */
  public PluginsConfig(Path directory) {
    this(directory, Path.of(""));
  }

  public static PluginsConfig defaults() {
    return new PluginsConfig(Path.of("plugins"));
  }
}

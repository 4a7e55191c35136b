package io.opizontas.gateway.config;

import java.nio.file.Path;

/**
 * Where plugins come from ({@code [plugins]}).
 *
 * @param directory the PF4J plugins directory; {@code opizontas run} resolves a relative one against
 *                  the gateway {@link #home()}
 */
public record PluginsConfig(Path directory) {

  /** Set by {@code bin/opizontas} to the distribution's directory, the gateway's home. */
  public static final String HOME_PROPERTY = "opizontas.home";

  public static PluginsConfig defaults() {
    return new PluginsConfig(Path.of("plugins"));
  }

  /**
   * What the gateway resolves relative paths against, and lends plugins as their context's {@code
   * home()}: the gateway home ({@value #HOME_PROPERTY}) when it has one, else the working directory.
   * Absolute. Not a setting: the launcher decides it.
   */
  public static Path home() {
    String home = System.getProperty(HOME_PROPERTY);
    return (home == null ? Path.of("") : Path.of(home)).toAbsolutePath();
  }
}

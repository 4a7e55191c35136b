package io.opizontas.gateway.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of this plugin contract. A plugin states the versions it works with in its descriptor
 * ({@code plugin.requires=>=0.1.0} in {@code plugin.properties}, or {@code Plugin-Requires} in its
 * manifest), and the runtime refuses to start with a plugin that asks for a newer contract than the
 * one it provides.
 *
 * <p><b>Its own version.</b> The contract is versioned apart from the gateway: it changes only when
 * {@code gateway-api} does, so a gateway release that leaves the contract alone keeps loading every
 * plugin built for it. It follows <a href="https://semver.org">SemVer</a> as the caret ranges
 * ({@code ^0.1.1}) read it:
 *
 * <ul>
 *   <li>While the major version is 0, the <em>minor</em> version goes up for any change that can
 *       break a compiled plugin (a type or method removed or changed, an abstract method added to an
 *       interface plugins implement, a guarantee weakened), and the <em>patch</em> version for
 *       additions that cannot (a new type, a new default method, a new hook the runtime skips for
 *       plugins that do not override it).
 *   <li>From 1.0.0 on: major for breaking changes, minor for additions, patch for clarifications.
 * </ul>
 *
 * <p>A plugin requires the oldest version that has everything it uses: one that overrides {@link
 * CallFilter#onCallEnded} states {@code >=0.1.1} (or {@code ^0.1.1}), since older gateways never call
 * it. Versions so far: 0.1.0, the first contract; 0.1.1 adds {@link CallFilter#onCallEnded} and
 * {@link CallOutcome}, and configuration and context helpers (the plugin guide lists them); 0.1.2
 * adds {@link PluginConfig#number}.
 */
public final class ApiVersion {

  private static final String CURRENT = read();

  private ApiVersion() {}

  /** The contract version as {@code major.minor.patch}. */
  public static String current() {
    return CURRENT;
  }

  private static String read() {
    Properties properties = new Properties();
    try (InputStream in = ApiVersion.class.getResourceAsStream("gateway-api.properties")) {
      if (in == null) {
        throw new IllegalStateException("gateway-api.properties is missing from gateway-api");
      }
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties.getProperty("version");
  }
}

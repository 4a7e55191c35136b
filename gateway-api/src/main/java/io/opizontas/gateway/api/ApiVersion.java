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
 */
public final class ApiVersion {

  private static final String CURRENT = read();

  private ApiVersion() {}

  /**
   * The contract version as {@code major.minor.patch}. A pre-release build ({@code 0.2.0-SNAPSHOT})
   * provides the contract of the release it leads to ({@code 0.2.0}), so plugins built against it
   * load.
   */
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
    String version = properties.getProperty("version");
    int qualifier = version.indexOf('-');
    return qualifier < 0 ? version : version.substring(0, qualifier);
  }
}

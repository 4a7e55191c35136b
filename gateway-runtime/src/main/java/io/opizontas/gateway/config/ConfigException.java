package io.opizontas.gateway.config;

/**
 * The configuration cannot be used; the gateway refuses to start. The message is one line that
 * names where and what: {@code conf/gateway.toml:7: server.listen: '0.0.0.0' is not host:port}.
 */
public class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param location {@code file:line}, or just the file when no line applies
   * @param key      the dotted key at fault, or {@code null} when the problem is not one key's
   * @param problem  what is wrong, phrased to follow the key
   */
  public ConfigException(String location, String key, String problem) {
    super(location + ": " + (key == null || key.isEmpty() ? "" : key + ": ") + problem);
  }
}

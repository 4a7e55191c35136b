package io.opizontas.gateway.api;

/**
 * A plugin's configuration is missing a value, has one of the wrong type, or has one the plugin
 * cannot accept.
 *
 * <p>Thrown by {@link PluginConfig} getters, and by plugins from their {@code start} methods. The
 * runtime turns it into a start-up error naming the file, the line and the full path of {@link
 * #key()}, like any other bad setting; it never reaches a call.
 */
public class PluginConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String key;
  private final String problem;

  /**
   * @param key     the offending key, dotted from the plugin's section ({@code "tokens.0.scopes"})
   * @param message what is wrong with it
   */
  public PluginConfigException(String key, String message) {
    super(key + ": " + message);
    this.key = key;
    this.problem = message;
  }

  /** The offending key, dotted from the plugin's section. */
  public String key() {
    return key;
  }

  /** What is wrong with the key, without the key: the {@code message} it was made with. */
  public String problem() {
    return problem;
  }
}

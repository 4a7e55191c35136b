package io.opizontas.gateway.plugin;


/**
 * A plugin cannot be loaded, bound or started, so the gateway refuses to start. The message is one
 * line naming the plugin (or its jar), where it was configured, and the cause, for example {@code
 * plugin 'consul' (gateway.toml:12): failed to start: connection refused}. (A plugin that refuses
 * one of its settings makes a {@link io.opizontas.gateway.config.ConfigException} instead, like any
 * other bad setting: see {@link io.opizontas.gateway.config.PluginSection#refuse}.)
 */
public final class PluginLoadException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** @param message one line naming the plugin, where it was configured, and what went wrong */
  public PluginLoadException(String message, Throwable cause) {
    super(oneLine(message), cause);
  }

  /** @param message one line naming the plugin, where it was configured, and what went wrong */
  public PluginLoadException(String message) {
    this(message, null);
  }

  /** What went wrong, for a message: the exception's own message, or its type when it has none. */
  static String describe(Throwable t) {
    String message = t.getMessage();
    return message == null || message.isBlank() ? t.getClass().getName() : oneLine(message);
  }

  private static String oneLine(String text) {
    return text.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
  }
}

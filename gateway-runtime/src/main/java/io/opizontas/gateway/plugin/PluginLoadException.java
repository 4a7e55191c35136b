package io.opizontas.gateway.plugin;

import java.nio.file.FileSystemException;

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

  /**
   * A plugin's start threw {@code cause}: the gateway refuses to start, naming the plugin and where it
   * was configured ({@code gateway.toml:12}, or its jar for a plugin-wide start).
   */
  public static PluginLoadException failedToStart(String pluginId, String origin, Throwable cause) {
    return new PluginLoadException("plugin '" + pluginId + "' (" + origin + "): failed to start: " + describe(cause), cause);
  }

  /** What went wrong, for a message: the exception's own message, or its type when it has none. */
  static String describe(Throwable t) {
    String message = t.getMessage();
    if (message == null || message.isBlank()) {
      return t.getClass().getName();
    }
    // A file exception without a reason says only which file ("/etc/x" for a NoSuchFileException).
    if (t instanceof FileSystemException file && file.getReason() == null) {
      return t.getClass().getSimpleName() + ": " + oneLine(message);
    }
    return oneLine(message);
  }

  private static String oneLine(String text) {
    return text.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
  }
}

package io.opizontas.gateway.api;

import java.util.function.DoubleSupplier;

/**
 * Metrics a plugin may publish. Names are prefixed by the runtime with {@code opizontas_plugin_} and
 * labelled with the plugin id, so two plugins cannot collide.
 *
 * <p>Registering the same name twice returns the same counter. All methods are thread-safe. Names
 * are lower_snake_case ({@link #checkName}); both methods refuse others with {@link
 * IllegalArgumentException}.
 */
public interface PluginMetrics {

  /**
   * Checks that {@code name} can name a metric: lower_snake_case, such as {@code leases_expired}
   * (a lower-case letter or {@code _}, then lower-case letters, digits and {@code _}). Returns it
   * unchanged.
   *
   * @throws IllegalArgumentException naming the name, otherwise
   */
  static String checkName(String name) {
    if (name == null || !name.matches("[a-z_][a-z0-9_]*")) {
      throw new IllegalArgumentException("metric name '" + name + "' is not lower_snake_case");
    }
    return name;
  }

  /** A monotonically increasing counter. */
  Counter counter(String name, String help);

  /** A gauge read from {@code value} whenever metrics are collected; it must be cheap and non-blocking. */
  void gauge(String name, String help, DoubleSupplier value);

  /** A counter; increments are lock-free. */
  interface Counter {

    /** Adds one. */
    default void increment() {
      add(1);
    }

    /** Adds {@code amount}, which must not be negative. */
    void add(long amount);
  }
}

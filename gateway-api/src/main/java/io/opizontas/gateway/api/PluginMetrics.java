package io.opizontas.gateway.api;

import java.util.function.DoubleSupplier;

/**
 * Metrics a plugin may publish. Names are prefixed by the runtime with {@code opizontas_plugin_} and
 * labelled with the plugin id, so two plugins cannot collide.
 *
 * <p>Registering the same name twice returns the same counter. All methods are thread-safe.
 */
public interface PluginMetrics {

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

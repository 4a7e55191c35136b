package io.opizontas.gateway.api;

/** Numbers as TOML gives them to {@link PluginConfig#number}: an integer or a finite float. */
final class Numbers {

  private Numbers() {}

  /**
   * {@code value} as a double.
   *
   * @throws IllegalArgumentException naming what is wrong with {@code value}: {@code inf}, {@code
   *     nan}, or a value of another type
   */
  static double finite(Object value) {
    if (value instanceof Long || value instanceof Integer) {
      return ((Number) value).doubleValue();
    }
    if (value instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        throw new IllegalArgumentException("expected a finite number but found " + d);
      }
      return d;
    }
    String found = value instanceof String s ? "the string \"" + s + "\"" : String.valueOf(value);
    throw new IllegalArgumentException("expected a number such as 0.25 but found " + found);
  }
}

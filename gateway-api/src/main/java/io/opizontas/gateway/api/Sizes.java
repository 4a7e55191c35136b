package io.opizontas.gateway.api;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes as the configuration writes them: {@code 65536}, {@code "64KiB"}, {@code "8MiB"},
 * {@code "1GiB"}. Never negative; zero is a size like any other, whose meaning each setting states.
 */
public final class Sizes {

  private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");

  private Sizes() {}

  /**
   * Parses a size written as a string: a number of bytes, optionally followed by B, KiB, MiB or GiB
   * (powers of 1024).
   *
   * @throws IllegalArgumentException naming what is wrong with {@code text}
   */
  public static long parse(String text) {
    Objects.requireNonNull(text, "text");
    Matcher m = FORMAT.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a size such as 65536, \"64KiB\", \"8MiB\" or \"1GiB\"");
    }
    if (m.group(1).length() > 18) {
      throw new IllegalArgumentException("'" + text + "' is too large a size");
    }
    long amount = Long.parseLong(m.group(1));
    int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
      case "KiB" -> 10;
      case "MiB" -> 20;
      case "GiB" -> 30;
      default -> 0;
    };
    if (amount > Long.MAX_VALUE >> shift) {
      throw new IllegalArgumentException("'" + text + "' is too large a size");
    }
    return amount << shift;
  }

  /**
   * A size as TOML gives it: an integer number of bytes, or a string for {@link #parse}.
   *
   * @throws IllegalArgumentException naming what is wrong with {@code value}: a negative integer, or
   *     a value of another type
   */
  public static long of(Object value) {
    if (value instanceof String text) {
      return parse(text);
    }
    if (value instanceof Long || value instanceof Integer) {
      long bytes = ((Number) value).longValue();
      if (bytes < 0) {
        throw new IllegalArgumentException(bytes + " is negative; a size is 0 or more bytes");
      }
      return bytes;
    }
    throw new IllegalArgumentException(
        "expected a size such as 65536 or \"8MiB\" but found " + (value == null ? "nothing" : value));
  }
}

package io.opizontas.gateway.api;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the configuration writes them: {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h},
 * {@code 0}. Never negative: the format has no sign. Zero is a duration like any other, whose
 * meaning each setting states.
 */
public final class Durations {

  private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

  private Durations() {}

  /**
   * Parses a duration.
   *
   * @throws IllegalArgumentException when {@code text} is not a number followed by ms, s, m or h, or
   *     is too long to count in milliseconds
   */
  public static Duration parse(String text) {
    String trimmed = text.trim();
    if (trimmed.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = FORMAT.matcher(trimmed);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration such as \"250ms\", \"30s\", \"5m\" or \"1h\"");
    }
    if (m.group(1).length() > 18) {
      throw tooLong(text);
    }
    long amount = Long.parseLong(m.group(1));
    try {
      Duration duration = switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        default -> Duration.ofHours(amount);
      };
      // Timers take milliseconds as a long: refuse what would overflow there rather than later.
      duration.toMillis();
      return duration;
    } catch (ArithmeticException e) {
      throw tooLong(text);
    }
  }

  /**
   * {@code duration} as the configuration would write it, in the largest unit that spells it
   * exactly: {@code 30s} rather than {@code PT30S}, {@code 1500ms}, {@code 5m}. Sub-millisecond
   * parts, which the configuration cannot express, are dropped.
   */
  public static String format(Duration duration) {
    long millis = duration.toMillis();
    if (millis == 0) {
      return "0";
    }
    if (millis % 3_600_000 == 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1_000 == 0) {
      return millis / 1_000 + "s";
    }
    return millis + "ms";
  }

  private static IllegalArgumentException tooLong(String text) {
    return new IllegalArgumentException("'" + text + "' is too long a duration");
  }
}

package io.opizontas.gateway.api;

import java.util.Objects;

/**
 * Which services a rule applies to, as configuration writes it: {@code "*"} (every service), {@code
 * "pkg.*"} (every service whose name starts with {@code pkg.}, sub-packages included) or {@code
 * "pkg.Service"} (that service only). Immutable and thread-safe.
 */
public final class ServicePattern {

  private final String text;
  private final String prefix;
  private final boolean exact;

  private ServicePattern(String text, String prefix, boolean exact) {
    this.text = text;
    this.prefix = prefix;
    this.exact = exact;
  }

  /**
   * Parses a pattern.
   *
   * @throws IllegalArgumentException when {@code text} is empty, has a {@code *} anywhere but as
   *     the whole pattern or after a final dot, or has whitespace or a {@code /}
   */
  public static ServicePattern parse(String text) {
    Objects.requireNonNull(text, "text");
    if (text.equals("*")) {
      return new ServicePattern(text, "", false);
    }
    String body = text.endsWith(".*") ? text.substring(0, text.length() - 1) : text;
    boolean exact = body == text;
    if (body.isEmpty() || body.startsWith(".") || body.contains("..") || (exact && body.endsWith("."))) {
      throw new IllegalArgumentException("'" + text + "' is not a service pattern such as \"*\", \"pkg.*\" or \"pkg.Service\"");
    }
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c == '*' || c == '/' || Character.isWhitespace(c)) {
        throw new IllegalArgumentException("'" + text + "' is not a service pattern such as \"*\", \"pkg.*\" or \"pkg.Service\"");
      }
    }
    return new ServicePattern(text, body, exact);
  }

  /** Whether {@code service} (a fully qualified name such as {@code pkg.Service}) matches. */
  public boolean matches(String service) {
    return exact ? service.equals(prefix) : service.startsWith(prefix);
  }

  /**
   * How narrow the pattern is, for ordering rules from general to specific: {@code "*"} is 0, a
   * package pattern is its prefix length, an exact name is above every package pattern.
   */
  public int specificity() {
    return exact ? Integer.MAX_VALUE : prefix.length();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServicePattern p && p.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  /** The pattern as written. */
  @Override
  public String toString() {
    return text;
  }
}

package io.opizontas.gateway.api;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Key paths as TOML writes them: segments joined by dots, a segment that is not a bare key in
 * double quotes ({@code services."helloworld.Greeter".0}). Every message that names a key uses this
 * form, so it can be searched for in the file as written.
 */
public final class TomlKeys {

  private static final Pattern BARE_KEY = Pattern.compile("[A-Za-z0-9_-]+");

  private TomlKeys() {}

  /** The path as TOML would write it: dotted, segments that are not bare keys in quotes. */
  public static String dotted(List<String> path) {
    StringBuilder out = new StringBuilder();
    for (String segment : path) {
      if (out.length() > 0) {
        out.append('.');
      }
      out.append(segment(segment));
    }
    return out.toString();
  }

  /** One segment as TOML would write it: bare when it can be, else quoted. */
  public static String segment(String segment) {
    if (BARE_KEY.matcher(segment).matches()) {
      return segment;
    }
    return '"' + segment.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  /**
   * The segments of a dotted path, the inverse of {@link #dotted}. Text that is not such a path
   * (a plugin may name a key any way it likes) still splits at every dot outside quotes.
   */
  public static List<String> split(String dotted) {
    List<String> segments = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < dotted.length(); i++) {
      char c = dotted.charAt(i);
      if (quoted && c == '\\' && i + 1 < dotted.length()) {
        current.append(dotted.charAt(++i));
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == '.' && !quoted) {
        segments.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    segments.add(current.toString());
    return segments;
  }
}

package io.opizontas.gateway.plugins.accesslog;

/**
 * How one access-log line is written: logfmt ({@code key=value key="a value"}) or one JSON object.
 * Values are escaped so that nothing in a call's metadata can break a line or forge a field.
 */
enum LineFormat {

  LOGFMT {
    @Override
    void begin(StringBuilder line) {}

    @Override
    void text(StringBuilder line, String key, String value) {
      separate(line).append(key).append('=');
      if (value == null) {
        line.append('-');
      } else if (bare(value)) {
        line.append(value);
      } else {
        quoted(line, value);
      }
    }

    @Override
    void number(StringBuilder line, String key, CharSequence digits) {
      separate(line).append(key).append('=').append(digits);
    }

    @Override
    void end(StringBuilder line) {}

    private StringBuilder separate(StringBuilder line) {
      return line.isEmpty() ? line : line.append(' ');
    }

    /** A value logfmt readers take as is: printable ASCII without spaces, quotes or '='. */
    private boolean bare(String value) {
      if (value.isEmpty()) {
        return false;
      }
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c <= ' ' || c >= 0x7f || c == '"' || c == '=' || c == '\\') {
          return false;
        }
      }
      return true;
    }
  },

  JSON {
    @Override
    void begin(StringBuilder line) {
      line.append('{');
    }

    @Override
    void text(StringBuilder line, String key, String value) {
      key(line, key);
      if (value == null) {
        line.append("null");
      } else {
        quoted(line, value);
      }
    }

    @Override
    void number(StringBuilder line, String key, CharSequence digits) {
      key(line, key).append(digits);
    }

    @Override
    void end(StringBuilder line) {
      line.append('}');
    }

    private StringBuilder key(StringBuilder line, String key) {
      if (line.length() > 1) {
        line.append(',');
      }
      quoted(line, key);
      return line.append(':');
    }
  };

  abstract void begin(StringBuilder line);

  /** A string field; null is written as absent ({@code -} in logfmt, {@code null} in JSON). */
  abstract void text(StringBuilder line, String key, String value);

  /** A numeric field, already written as digits. */
  abstract void number(StringBuilder line, String key, CharSequence digits);

  abstract void end(StringBuilder line);

  /** A double-quoted string with JSON's escapes, which logfmt readers accept too. */
  static void quoted(StringBuilder line, String value) {
    line.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> line.append("\\\"");
        case '\\' -> line.append("\\\\");
        case '\n' -> line.append("\\n");
        case '\r' -> line.append("\\r");
        case '\t' -> line.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            line.append(String.format("\\u%04x", (int) c));
          } else {
            line.append(c);
          }
        }
      }
    }
    line.append('"');
  }
}

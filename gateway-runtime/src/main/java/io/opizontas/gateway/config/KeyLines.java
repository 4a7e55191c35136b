package io.opizontas.gateway.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The line on which each key of a TOML document was written.
 *
 * <p>Jackson's TOML parser builds its whole tree before it hands out a single token, so neither the
 * tree nor the token stream knows where a key came from. This scanner re-reads the text (which
 * Jackson has already accepted) just far enough to see keys, table headers and where values end, and
 * records the first line of every key path. Paths are segment lists as the tree has them: array
 * elements and {@code [[array-of-tables]]} entries are indexed, so {@code [[registries]]}'s second
 * entry's {@code plugin} is {@code ["registries", "1", "plugin"]}.
 *
 * <p>Why not a parser that keeps positions (tomlj 2.2.0, checked against this reader's tests):
 * tomlj knows where every key of an accepted document was, but of a document it refuses it tells
 * only line, column and its own wording. The key a syntax error belongs to ({@code server.bad} for
 * {@code bad = }, {@code server.listen} for a duplicate) would still need {@link #fault}'s scanner,
 * an unclosed array is reported at the end of the input rather than on its key's line, and an
 * integer beyond 64 bits is a parse error there, not a value the reader can name and range-check.
 */
final class KeyLines {

  private final Map<List<String>, Integer> lines;

  private KeyLines(Map<List<String>, Integer> lines) {
    this.lines = lines;
  }

  /** Scans a document Jackson has parsed without error. */
  static KeyLines scan(String text) {
    Scanner scanner = new Scanner(text);
    scanner.document();
    return new KeyLines(scanner.lines);
  }

  /** Where in a broken document a parse error belongs: the line and, when one is known, the key. */
  record Fault(int line, List<String> key) {}

  /**
   * Places a parse error reported at {@code line}:{@code column} (1-based) of a document that does
   * not parse. Jackson's lexer reports the spot it stopped at, which for an error about a complete
   * value (a duplicate key, an unclosed array) is past the value, its line break and any blank
   * lines. So when the spot is the start of the next statement, or the end of the text, the error
   * belongs to the key written last before it; otherwise it belongs to the spot itself.
   */
  static Fault fault(String text, int line, int column) {
    int offset = 0;
    for (int seen = 1; offset < text.length() && seen < line; offset++) {
      if (text.charAt(offset) == '\n') {
        seen++;
      }
    }
    offset = Math.min(text.length(), offset + Math.max(0, column - 1));
    Scanner scanner = new Scanner(text.substring(0, offset));
    try {
      scanner.document();
    } catch (RuntimeException | StackOverflowError e) {
      // The text is broken by definition; what was seen before the scanner gave up stands.
    }
    boolean pastAValue =
        offset == text.length() || text.charAt(offset) == '[' || text.charAt(offset) == '"'
            || text.charAt(offset) == '\'' || Scanner.isBareKeyChar(text.charAt(offset));
    if (pastAValue && !scanner.last.isEmpty()) {
      return new Fault(scanner.lastLine, scanner.last);
    }
    return new Fault(line, scanner.lastLine == line ? scanner.last : List.of());
  }

  /** The line {@code path} was written on, or that of its nearest written ancestor; 0 when none. */
  int lineOf(List<String> path) {
    for (int n = path.size(); n > 0; n--) {
      Integer line = lines.get(path.subList(0, n));
      if (line != null) {
        return line;
      }
    }
    return 0;
  }

  /** The line of every key path below {@code prefix}, relative to it. */
  Map<List<String>, Integer> under(List<String> prefix) {
    Map<List<String>, Integer> below = new HashMap<>();
    lines.forEach((path, line) -> {
      if (path.size() > prefix.size() && path.subList(0, prefix.size()).equals(prefix)) {
        below.put(List.copyOf(path.subList(prefix.size(), path.size())), line);
      }
    });
    return below;
  }

  private static List<String> concat(List<String> head, List<String> tail) {
    List<String> all = new ArrayList<>(head.size() + tail.size());
    all.addAll(head);
    all.addAll(tail);
    return List.copyOf(all);
  }

  /** A recursive-descent reader of just enough TOML to see keys; every loop advances or stops. */
  private static final class Scanner {

    private static final int MAX_DEPTH = 256;

    private final String text;
    private final Map<List<String>, Integer> lines = new HashMap<>();
    /** Entries seen so far per array-of-tables, by its indexed path. */
    private final Map<List<String>, Integer> arrayTables = new HashMap<>();
    private int pos;
    private int line = 1;
    private int depth;
    private List<String> table = List.of();
    /** The key or table header written last, and its line. */
    private List<String> last = List.of();
    private int lastLine;

    Scanner(String text) {
      this.text = text;
    }

    void document() {
      while (true) {
        skipBlank(true);
        if (atEnd()) {
          return;
        }
        int start = pos;
        if (peek() == '[') {
          header();
        } else {
          keyValue(table);
        }
        skipBlank(false);
        skipComment();
        if (pos == start) {
          pos++;
        }
      }
    }

    private void header() {
      int headerLine = line;
      boolean arrayOfTables = text.startsWith("[[", pos);
      pos += arrayOfTables ? 2 : 1;
      skipBlank(false);
      List<String> key = key();
      skipBlank(false);
      pos = Math.min(text.length(), pos + (arrayOfTables ? 2 : 1));
      List<String> indexed = new ArrayList<>();
      for (int i = 0; i < key.size(); i++) {
        indexed.add(key.get(i));
        if (arrayOfTables && i == key.size() - 1) {
          int entry = arrayTables.merge(List.copyOf(indexed), 1, Integer::sum) - 1;
          indexed.add(String.valueOf(entry));
        } else {
          Integer entries = arrayTables.get(indexed);
          if (entries != null) {
            indexed.add(String.valueOf(entries - 1));
          }
        }
      }
      table = List.copyOf(indexed);
      record(table, headerLine);
      last = table;
      lastLine = headerLine;
    }

    private void keyValue(List<String> parent) {
      int keyLine = line;
      List<String> key = key();
      List<String> path = concat(parent, key);
      if (!key.isEmpty()) {
        record(path, keyLine);
        last = path;
        lastLine = keyLine;
      }
      skipBlank(false);
      if (!atEnd() && peek() == '=') {
        pos++;
      }
      skipBlank(false);
      value(path);
    }

    private void value(List<String> path) {
      if (atEnd()) {
        return;
      }
      if (++depth > MAX_DEPTH) {
        throw new IllegalStateException("nested too deeply to scan");
      }
      char c = peek();
      if (c == '"' || c == '\'') {
        string();
      } else if (c == '[') {
        array(path);
      } else if (c == '{') {
        inlineTable(path);
      } else {
        while (!atEnd() && ",]}#\n".indexOf(peek()) < 0) {
          pos++;
        }
      }
      depth--;
    }

    private void array(List<String> path) {
      pos++;
      for (int index = 0; ; index++) {
        skipBlank(true);
        if (atEnd()) {
          return;
        }
        if (peek() == ']') {
          pos++;
          return;
        }
        int start = pos;
        List<String> element = concat(path, List.of(String.valueOf(index)));
        record(element, line);
        value(element);
        skipBlank(true);
        if (!atEnd() && peek() == ',') {
          pos++;
        } else if (pos == start) {
          pos++;
        }
      }
    }

    private void inlineTable(List<String> path) {
      pos++;
      while (true) {
        skipBlank(true);
        if (atEnd()) {
          return;
        }
        if (peek() == '}') {
          pos++;
          return;
        }
        int start = pos;
        keyValue(path);
        skipBlank(true);
        if (!atEnd() && peek() == ',') {
          pos++;
        } else if (pos == start) {
          pos++;
        }
      }
    }

    /** A dotted key: bare, "basic" or 'literal' segments separated by dots. */
    private List<String> key() {
      List<String> segments = new ArrayList<>();
      while (!atEnd()) {
        char c = peek();
        if (c == '"') {
          segments.add(basicString());
        } else if (c == '\'') {
          int end = text.indexOf('\'', pos + 1);
          end = end < 0 ? text.length() : end;
          segments.add(text.substring(pos + 1, end));
          pos = Math.min(text.length(), end + 1);
        } else {
          int start = pos;
          while (!atEnd() && isBareKeyChar(peek())) {
            pos++;
          }
          if (pos == start) {
            break;
          }
          segments.add(text.substring(start, pos));
        }
        skipBlank(false);
        if (atEnd() || peek() != '.') {
          break;
        }
        pos++;
        skipBlank(false);
      }
      return segments;
    }

    /** A single-line basic string with its escapes decoded, as a quoted key needs it. */
    private String basicString() {
      StringBuilder out = new StringBuilder();
      pos++;
      while (!atEnd() && peek() != '"' && peek() != '\n') {
        char c = text.charAt(pos++);
        if (c != '\\' || atEnd()) {
          out.append(c);
          continue;
        }
        char escape = text.charAt(pos++);
        switch (escape) {
          case 'b' -> out.append('\b');
          case 't' -> out.append('\t');
          case 'n' -> out.append('\n');
          case 'f' -> out.append('\f');
          case 'r' -> out.append('\r');
          case 'u', 'U' -> {
            int digits = escape == 'u' ? 4 : 8;
            int end = Math.min(text.length(), pos + digits);
            try {
              out.appendCodePoint(Integer.parseInt(text.substring(pos, end), 16));
            } catch (IllegalArgumentException e) {
              // Jackson has rejected such a document already; keep scanning.
            }
            pos = end;
          }
          default -> out.append(escape);
        }
      }
      if (!atEnd() && peek() == '"') {
        pos++;
      }
      return out.toString();
    }

    /** Skips any string value, counting the lines a multi-line one spans. */
    private void string() {
      char quote = peek();
      String triple = String.valueOf(quote).repeat(3);
      boolean multiLine = text.startsWith(triple, pos);
      pos += multiLine ? 3 : 1;
      while (!atEnd()) {
        char c = text.charAt(pos);
        if (c == '\\' && quote == '"') {
          pos++;
          if (!atEnd() && peek() == '\n') {
            line++;
          }
          pos++;
          continue;
        }
        if (c == '\n') {
          if (!multiLine) {
            return;
          }
          line++;
        }
        if (multiLine ? text.startsWith(triple, pos) : c == quote) {
          pos += multiLine ? 3 : 1;
          // Up to two more quotes may close a multi-line string: """a"""" is the text a".
          for (int extra = 0; multiLine && extra < 2 && !atEnd() && peek() == quote; extra++) {
            pos++;
          }
          return;
        }
        pos++;
      }
    }

    /** Skips spaces and tabs, and with {@code newlines} also line breaks and comments. */
    private void skipBlank(boolean newlines) {
      while (!atEnd()) {
        char c = peek();
        if (c == ' ' || c == '\t' || c == '\r') {
          pos++;
        } else if (newlines && c == '\n') {
          line++;
          pos++;
        } else if (newlines && c == '#') {
          skipComment();
        } else {
          return;
        }
      }
    }

    private void skipComment() {
      if (!atEnd() && peek() == '#') {
        while (!atEnd() && peek() != '\n') {
          pos++;
        }
      }
    }

    private void record(List<String> path, int at) {
      for (int n = 1; n <= path.size(); n++) {
        lines.putIfAbsent(List.copyOf(path.subList(0, n)), at);
      }
    }

    static boolean isBareKeyChar(char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '_' || c == '-';
    }

    private boolean atEnd() {
      return pos >= text.length();
    }

    private char peek() {
      return text.charAt(pos);
    }
  }
}

package io.opizontas.gateway.api;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The gRPC metadata of one call: its request headers, its response headers or its trailers. A
 * mutable multimap of string keys to string values, in the order they travel.
 *
 * <p><b>Keys</b> are compared without regard to case and reported in lower case, as HTTP/2 sends
 * them. <b>Values</b> are the text on the wire: for a key ending in {@code -bin} that is the base64
 * of the binary value (a filter that writes one encodes it itself).
 *
 * <p><b>Transport headers are not metadata.</b> Writing (adding, setting or removing) a reserved key
 * (see {@link #isReserved}) throws {@link IllegalArgumentException}, so a filter cannot break the
 * HTTP/2 framing of the call it is looking at. Reading them is allowed.
 *
 * <p><b>Threading.</b> A view is not thread-safe, and the runtime never hands one view to two
 * filters at the same time. It is valid only while the callback that received it runs; for the
 * request headers seen by {@link CallFilter#onRequest}, until the stage that method returned
 * completes. Edits made after that are not forwarded.
 *
 * <p>The runtime's views write through to the call's real headers without copying them.
 */
public interface Metadata {

  /** The first value of {@code key}, or null when the key is absent. */
  String get(String key);

  /** Every value of {@code key}, in order; empty when the key is absent. */
  List<String> getAll(String key);

  /** Whether {@code key} has at least one value. */
  boolean contains(String key);

  /** The distinct keys present, in lower case. A snapshot: later edits do not show in it. */
  Set<String> keys();

  /** Calls {@code action} with each key (lower case) and value, in order, without copying. */
  void forEach(BiConsumer<String, String> action);

  /**
   * Appends a value, keeping the values {@code key} already has.
   *
   * @throws IllegalArgumentException when the key is reserved or malformed, or the value is not
   *     printable ASCII
   */
  void add(String key, String value);

  /**
   * Replaces every value of {@code key} with {@code value}.
   *
   * @throws IllegalArgumentException when the key is reserved or malformed, or the value is not
   *     printable ASCII
   */
  void set(String key, String value);

  /**
   * Removes every value of {@code key}.
   *
   * @return whether the key was present
   * @throws IllegalArgumentException when the key is reserved
   */
  boolean remove(String key);

  /**
   * Whether {@code key} belongs to HTTP/2 or to gRPC's framing rather than to the application:
   * pseudo-headers ({@code :path}), {@code content-type}, {@code te}, {@code content-length}, {@code
   * host} and the connection-specific headers HTTP/2 forbids.
   */
  static boolean isReserved(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.startsWith(":")
        || switch (k) {
          case "content-type",
              "te",
              "content-length",
              "host",
              "connection",
              "keep-alive",
              "proxy-connection",
              "transfer-encoding",
              "upgrade" -> true;
          default -> false;
        };
  }

  /**
   * Checks that filters may write {@code key}, and returns it in lower case. Runtime views apply this
   * check to every write; plugins may apply it to keys from their configuration at start.
   *
   * @throws IllegalArgumentException naming the key, when it is empty, reserved, or has a character
   *     other than {@code a-z 0-9 - _ .} (after lower-casing)
   */
  static String checkWritableKey(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("metadata key is empty");
    }
    String k = key.toLowerCase(Locale.ROOT);
    if (isReserved(k)) {
      throw new IllegalArgumentException("metadata key '" + key + "' is reserved for the transport");
    }
    for (int i = 0; i < k.length(); i++) {
      char c = k.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
      if (!ok) {
        throw new IllegalArgumentException(
            "metadata key '" + key + "' has the character '" + c + "'; allowed are a-z 0-9 - _ .");
      }
    }
    return k;
  }

  /**
   * Checks that {@code value} may be sent for {@code key}: printable ASCII (0x20 to 0x7E), as gRPC
   * requires. Returns it unchanged.
   *
   * @throws IllegalArgumentException naming the key, otherwise
   */
  static String checkValue(String key, String value) {
    if (value == null) {
      throw new IllegalArgumentException("metadata key '" + key + "' has a null value");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7E) {
        throw new IllegalArgumentException(
            "metadata key '" + key + "' has a value with a character outside printable ASCII at index " + i);
      }
    }
    return value;
  }
}

package io.opizontas.gateway.api;

import java.util.Map;
import java.util.Objects;

/**
 * One network address that serves one or more gRPC services.
 *
 * <p>Immutable and safe to share between threads. Two endpoints are equal when every field is equal,
 * so a registry backend may report the same set twice without the runtime seeing a change.
 *
 * @param host     a host name or IP literal, never empty
 * @param port     the TCP port, 1..65535
 * @param weight   a relative share of traffic for weighted balancers, at least 1
 * @param zone     the locality the endpoint runs in, or the empty string when unknown
 * @param metadata free-form labels from the registry (read-only)
 */
public record Endpoint(String host, int port, int weight, String zone, Map<String, String> metadata) {

  /** Validates the fields and freezes the metadata. */
  public Endpoint {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("endpoint host is empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("endpoint port " + port + " is outside 1..65535");
    }
    if (weight < 1) {
      throw new IllegalArgumentException("endpoint weight " + weight + " is below 1");
    }
    zone = zone == null ? "" : zone;
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }

  /** An endpoint with weight 1, no zone and no metadata. */
  public static Endpoint of(String host, int port) {
    return new Endpoint(host, port, 1, "", Map.of());
  }

  /**
   * Parses {@code host:port}, or {@code [ipv6]:port}.
   *
   * @throws IllegalArgumentException naming what is wrong with {@code address}
   */
  public static Endpoint parse(String address) {
    Objects.requireNonNull(address, "address");
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException("address '" + address + "' is not host:port");
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("address '" + address + "' has a port that is not a number");
    }
    return of(host, port);
  }

  /** {@code host:port}, with IPv6 literals in brackets (once, even if the host came bracketed). */
  public String address() {
    boolean bare = host.indexOf(':') >= 0 && !host.startsWith("[");
    return (bare ? "[" + host + "]" : host) + ":" + port;
  }
}

package io.opizontas.gateway.config;

import java.net.InetSocketAddress;

/** Socket addresses as the configuration writes them: {@code host:port}, or {@code [ipv6]:port}. */
public final class HostPort {

  private HostPort() {}

  /**
   * Parses and resolves an address to listen on or connect to. Port 0 is accepted: a listener then
   * binds to any free port.
   *
   * @throws IllegalArgumentException naming what is wrong with {@code text}
   */
  public static InetSocketAddress parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("'" + text + "' is not host:port");
    }
    String host = text.substring(0, colon);
    String port = text.substring(colon + 1);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0 || host.startsWith("[")) {
      throw new IllegalArgumentException(
          "'" + text + "' is not host:port (write an IPv6 address in brackets: [::1]:50051)");
    }
    if (host.isBlank()) {
      throw new IllegalArgumentException("'" + text + "' has an empty host");
    }
    if (port.isEmpty() || !port.chars().allMatch(c -> c >= '0' && c <= '9') || port.length() > 5) {
      throw new IllegalArgumentException(
          "'" + text + "' is not host:port (the port must be a number in 0..65535)");
    }
    int number = Integer.parseInt(port);
    if (number > 65535) {
      throw new IllegalArgumentException("'" + text + "' has port " + number + ", outside 0..65535");
    }
    InetSocketAddress address = new InetSocketAddress(host, number);
    if (address.isUnresolved()) {
      throw new IllegalArgumentException("'" + text + "': host '" + host + "' does not resolve");
    }
    return address;
  }

  /** {@code address} as the configuration writes it: {@code 127.0.0.1:50051}, {@code [::1]:50051}. */
  public static String format(InetSocketAddress address) {
    String host = address.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }
}

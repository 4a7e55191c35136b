package io.opizontas.gateway.registration;

import io.opizontas.gateway.api.Endpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Refuses endpoints that are the gateway itself: a service registered at the gateway's own listener
 * would send every call back into the gateway, in a loop, until the connection limits give out.
 *
 * <p>Only literals are checked (IP addresses and {@code localhost}): resolving names would block a
 * registration on DNS, and a name that resolves to the gateway is an operator's deliberate choice.
 */
final class LoopGuard {

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final List<InetSocketAddress> listeners;

  /** @param listeners the gateway's own listening addresses (a wildcard host means every local address) */
  LoopGuard(List<InetSocketAddress> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  /** Whether calls routed to {@code endpoint} would reach one of the gateway's listeners. */
  boolean loopsBack(Endpoint endpoint) {
    for (InetSocketAddress listener : listeners) {
      if (listener.getPort() == endpoint.port() && sameHost(listener, endpoint.host())) {
        return true;
      }
    }
    return false;
  }

  private static boolean sameHost(InetSocketAddress listener, String host) {
    if (host.equalsIgnoreCase(listener.getHostString())) {
      return true;
    }
    InetAddress target = literal(host);
    if (target == null) {
      return false;
    }
    InetAddress bound = listener.getAddress();
    if (bound == null) {
      return false;
    }
    if (bound.isAnyLocalAddress()) {
      return isLocal(target);
    }
    return bound.equals(target) || (bound.isLoopbackAddress() && target.isLoopbackAddress());
  }

  /** The address {@code host} spells without a DNS lookup, or null when it is a name. */
  private static InetAddress literal(String host) {
    try {
      if (host.equalsIgnoreCase("localhost")) {
        return InetAddress.getLoopbackAddress();
      }
      if (IPV4.matcher(host).matches() || host.indexOf(':') >= 0) {
        return InetAddress.getByName(host); // a literal: parsed, never resolved
      }
    } catch (UnknownHostException e) {
      return null;
    }
    return null;
  }

  private static boolean isLocal(InetAddress address) {
    if (address.isAnyLocalAddress() || address.isLoopbackAddress()) {
      return true;
    }
    try {
      return NetworkInterface.getByInetAddress(address) != null;
    } catch (SocketException e) {
      return false;
    }
  }
}

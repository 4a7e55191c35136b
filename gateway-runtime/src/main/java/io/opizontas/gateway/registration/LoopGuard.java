package io.opizontas.gateway.registration;

import io.opizontas.gateway.api.Endpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * Refuses endpoints that are the gateway itself: a service registered at the gateway's own listener
 * would send every call back into the gateway, in a loop, until the connection limits give out.
 *
 * <p>The registered host is resolved as the gateway's backend connections would resolve it, so
 * every spelling of an address is caught: {@code 127.1}, {@code 2130706433}, {@code [::1]}, {@code
 * localhost}, a name of this host. A listener bound to a wildcard address is reached through any
 * address of any local interface. Resolving may block on DNS: that is acceptable here, since the
 * registration API runs on its own worker threads, never on the data path's.
 */
final class LoopGuard {

  private final List<InetSocketAddress> listeners;

  /** @param listeners the gateway's own listening addresses (a wildcard host means every local address) */
  LoopGuard(List<InetSocketAddress> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  /**
   * The gateway listener that calls routed to {@code endpoint} would reach, if any. A host that
   * does not resolve reaches none now; it is accepted, as a backend whose name is not yet published.
   */
  Optional<InetSocketAddress> listenerReachedBy(Endpoint endpoint) {
    List<InetSocketAddress> samePort =
        listeners.stream().filter(l -> l.getPort() == endpoint.port()).toList();
    if (samePort.isEmpty()) {
      return Optional.empty();
    }
    InetAddress[] targets;
    try {
      targets = InetAddress.getAllByName(endpoint.host());
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
    for (InetSocketAddress listener : samePort) {
      for (InetAddress target : targets) {
        if (reaches(target, listener.getAddress())) {
          return Optional.of(listener);
        }
      }
    }
    return Optional.empty();
  }

  /** Whether connecting to {@code target} reaches a socket bound to {@code bound}. */
  private static boolean reaches(InetAddress target, InetAddress bound) {
    if (bound == null) {
      return false; // a listener whose name did not resolve binds nothing
    }
    if (target.isAnyLocalAddress()) {
      return true; // connecting to 0.0.0.0 or :: reaches this host
    }
    if (bound.isAnyLocalAddress()) {
      return isLocal(target);
    }
    return bound.equals(target) || (bound.isLoopbackAddress() && target.isLoopbackAddress());
  }

  private static boolean isLocal(InetAddress address) {
    if (address.isLoopbackAddress()) {
      return true;
    }
    try {
      return NetworkInterface.getByInetAddress(address) != null;
    } catch (SocketException e) {
      return false;
    }
  }
}

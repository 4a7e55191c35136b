package io.opizontas.gateway.upstream;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.AutoLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An endpoint's socket address, resolved off the data path. A DNS lookup blocks its thread for as
 * long as the resolver takes, and the data path runs on Jetty threads that may be selector threads,
 * so names are looked up on a dedicated resolver executor: when the endpoint enters the routing
 * table, periodically, and after a failed connect. Connects use the last address found; a connect
 * before the first lookup finished waits for it without holding a thread. IP literals need no lookup.
 */
final class EndpointAddress {

  private static final Logger LOG = LoggerFactory.getLogger(EndpointAddress.class);
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final String host;
  private final int port;
  private final Executor resolver;
  private final AutoLock lock = new AutoLock();
  private final List<Promise<InetSocketAddress>> waiting = new ArrayList<>();
  private volatile InetSocketAddress resolved;
  private UnknownHostException failure;
  private boolean resolving;

  EndpointAddress(String host, int port, Executor resolver) {
    this.host = host;
    this.port = port;
    this.resolver = resolver;
    if (isIpLiteral(host)) {
      try {
        // A literal is parsed, never looked up.
        resolved = new InetSocketAddress(InetAddress.getByName(host), port);
      } catch (UnknownHostException e) {
        failure = e;
      }
    }
  }

  private static boolean isIpLiteral(String host) {
    return host.indexOf(':') >= 0 || IPV4.matcher(host).matches();
  }

  /** Completes {@code promise} with the address, at once if known, else when the lookup ends. */
  void whenResolved(Promise<InetSocketAddress> promise) {
    InetSocketAddress known = resolved;
    if (known != null) {
      promise.succeeded(known);
      return;
    }
    UnknownHostException failed = null;
    boolean start = false;
    try (AutoLock ignored = lock.lock()) {
      known = resolved;
      if (known == null && failure != null && !resolving) {
        failed = failure;
        // The next call looks the name up again.
        failure = null;
      } else if (known == null) {
        waiting.add(promise);
        start = !resolving;
        resolving = true;
      }
    }
    if (known != null) {
      promise.succeeded(known);
    } else if (failed != null) {
      promise.failed(failed);
    } else if (start) {
      resolver.execute(this::lookUp);
    }
  }

  /** Looks the name up again (not for IP literals); the current address stays in use meanwhile. */
  void refresh() {
    if (isIpLiteral(host)) {
      return;
    }
    try (AutoLock ignored = lock.lock()) {
      if (resolving) {
        return;
      }
      resolving = true;
    }
    resolver.execute(this::lookUp);
  }

  private void lookUp() {
    InetSocketAddress address = null;
    UnknownHostException unknown = null;
    try {
      address = new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (UnknownHostException e) {
      unknown = new UnknownHostException("cannot resolve host " + host + ": " + e.getMessage());
    }
    List<Promise<InetSocketAddress>> done;
    InetSocketAddress previous;
    try (AutoLock ignored = lock.lock()) {
      resolving = false;
      previous = resolved;
      if (address != null) {
        resolved = address;
        failure = null;
      } else if (previous == null) {
        failure = unknown;
      }
      done = new ArrayList<>(waiting);
      waiting.clear();
    }
    if (address != null) {
      if (previous != null && !previous.getAddress().equals(address.getAddress())) {
        LOG.info("Backend host {} now resolves to {} (was {})", host, address.getAddress().getHostAddress(),
            previous.getAddress().getHostAddress());
      }
      InetSocketAddress found = address;
      done.forEach(promise -> promise.succeeded(found));
    } else if (previous != null) {
      LOG.warn("Cannot resolve backend host {} again; keeping {}", host, previous.getAddress().getHostAddress());
      done.forEach(promise -> promise.succeeded(previous));
    } else {
      LOG.warn("Cannot resolve backend host {}", host);
      UnknownHostException failed = unknown;
      done.forEach(promise -> promise.failed(failed));
    }
  }
}

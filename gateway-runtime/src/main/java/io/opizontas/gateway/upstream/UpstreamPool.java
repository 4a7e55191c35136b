package io.opizontas.gateway.upstream;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.config.UpstreamConfig;
import io.opizontas.gateway.io.WriteCombiningClientConnections;
import io.opizontas.gateway.tls.UpstreamTls;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.AutoLock;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/2 sessions to every backend endpoint, reused across calls: h2c with prior knowledge, or h2
 * over TLS where {@code [upstream.tls]} says so, a chosen connect timeout, idle timeout and
 * flow-control windows, and keepalive PINGs that close a session whose backend stopped answering.
 *
 * <p>Sessions are kept per endpoint address ({@code host:port}) and {@link UpstreamTls.Leg leg}
 * (plaintext, or TLS with given material and identity), so an endpoint whose metadata changes keeps
 * its sessions, and plaintext and TLS sessions, or TLS sessions checked for different identities,
 * are never shared. The pool follows the routing table ({@link #serviceChanged}): an
 * address that enters it has its name resolved at once, off the data path; an address that no
 * service lists any more has its idle sessions closed and the others closed when their calls end.
 */
public final class UpstreamPool extends ContainerLifeCycle {

  private static final Logger LOG = LoggerFactory.getLogger(UpstreamPool.class);

  /** Socket read size and largest DATA frame accepted from backends (Jetty reads 8 KiB otherwise). */
  private static final int IO_BUFFER_SIZE = 64 * 1024;

  /** How often backend host names are looked up again (the JVM caches lookups for 30 s as well). */
  private static final long RESOLVE_REFRESH_SECONDS = 30;

  private final UpstreamConfig config;
  private final HTTP2Client client;
  private final WriteCombiningClientConnections connections;
  private final Scheduler scheduler;
  private final ScheduledExecutorService resolver;
  private final UpstreamTls tls;
  private final Map<SessionKey, EndpointSessions> endpoints = new ConcurrentHashMap<>();
  /** Endpoints that left the table while calls still ran on their sessions. */
  private final Set<EndpointSessions> retiring = ConcurrentHashMap.newKeySet();
  private final AutoLock tableLock = new AutoLock();
  /** Under tableLock: each service's addresses, and how many services list each address. */
  private final Map<String, Set<SessionKey>> addressesByService = new HashMap<>();
  private final Map<SessionKey, Integer> listings = new HashMap<>();
  private Scheduler.Task keepalive;

  /**
   * {@code maxHeaderBytes} bounds the header blocks the gateway sends to and accepts from backends;
   * it should be the listener's decode limit, so that any request the listener accepted (plus what
   * filters add) can be forwarded. {@code tls} says how each service's backends are reached.
   */
  public UpstreamPool(UpstreamConfig config, int maxHeaderBytes, Executor executor, Scheduler scheduler,
      ByteBufferPool buffers, UpstreamTls tls) {
    this.config = config;
    this.tls = tls;
    this.scheduler = scheduler;
    this.resolver = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "opizontas-resolver");
      thread.setDaemon(true);
      return thread;
    });
    ClientConnector connector = new ClientConnector();
    connector.setExecutor(executor);
    connector.setScheduler(scheduler);
    connector.setByteBufferPool(buffers);
    connector.setConnectTimeout(config.connectTimeout());
    connector.setIdleTimeout(config.idleTimeout());
    this.client = new HTTP2Client(connector);
    this.connections = new WriteCombiningClientConnections(buffers);
    client.setExecutor(executor);
    client.setScheduler(scheduler);
    client.setByteBufferPool(buffers);
    client.setConnectTimeout(config.connectTimeout().toMillis());
    client.setIdleTimeout(config.idleTimeout().toMillis());
    // Streams end through their call's deadline or cancellation, never through an idle timer:
    // a quiet server-streaming call is legitimate.
    client.setStreamIdleTimeout(0);
    client.setInitialSessionRecvWindow(config.sessionWindow());
    client.setInitialStreamRecvWindow(config.streamWindow());
    client.setInputBufferSize(IO_BUFFER_SIZE);
    client.setMaxFrameSize(IO_BUFFER_SIZE);
    client.setUseInputDirectByteBuffers(true);
    client.setUseOutputDirectByteBuffers(true);
    // Jetty's 8 KiB defaults would fail requests the listener accepted; a backend announcing a
    // smaller MAX_HEADER_LIST_SIZE still lowers the request limit for its sessions.
    client.setMaxRequestHeadersSize(maxHeaderBytes);
    client.setMaxResponseHeadersSize(maxHeaderBytes);
    addBean(client);
    tls.factories().forEach(this::addBean);
  }

  /**
   * A session counts as full for new calls when the response bytes it may still receive fall below
   * one stream window: a new call there could not get its window's worth before stalled calls on
   * the session consume theirs. For a session window under four stream windows, a quarter of it.
   */
  private int fullBelowRecvWindow() {
    return Math.min(config.streamWindow(), config.sessionWindow() / 4);
  }

  /**
   * Reserves a stream slot on a session to {@code endpoint} for a call to {@code service}, over the
   * TLS leg {@code [upstream.tls]} gives the service, connecting one if needed. A service that
   * requires TLS but has no provider fails the promise at once, naming why. The promise
   * completes on a Jetty thread; it fails when the endpoint cannot be reached within the connect
   * timeout, or at once while reconnects to it back off after a failed connect. The caller must
   * {@link UpstreamSession#release() release} the slot when its stream closes, or at once if it
   * does not open one.
   */
  public void acquire(String service, Endpoint endpoint, Promise<UpstreamSession> promise) {
    UpstreamTls.Leg leg = tls.legFor(service);
    if (leg.refusal() != null) {
      promise.failed(new RefusedPlaintext(leg.refusal()));
      return;
    }
    endpointSessions(new SessionKey(endpoint.address(), leg), endpoint).acquire(promise);
  }

  private EndpointSessions endpointSessions(SessionKey key, Endpoint endpoint) {
    EndpointSessions sessions = endpoints.get(key);
    if (sessions == null) {
      sessions = endpoints.computeIfAbsent(key, k -> new EndpointSessions(k.address(),
          new EndpointAddress(endpoint.host(), endpoint.port(), resolver), client, connections, k.leg().ssl(), scheduler,
          config.connectTimeout().toMillis(), fullBelowRecvWindow()));
    }
    return sessions;
  }

  /** Sessions are shared by calls to the same address over the same leg, and only by them. */
  private record SessionKey(String address, UpstreamTls.Leg leg) {}

  /**
   * A call that would have gone in plaintext to a service that requires TLS: the configuration
   * refused it, not the endpoint, so no other endpoint would take it and the endpoint is not to
   * blame.
   */
  public static final class RefusedPlaintext extends Exception {
    private static final long serialVersionUID = 1L;

    RefusedPlaintext(String why) {
      super(why, null, false, false);
    }
  }

  /**
   * The routing table changed {@code service}'s endpoints to {@code now}. New addresses are
   * resolved now; addresses no service lists any more are retired. Returns quickly: lookups run on
   * the resolver thread.
   */
  public void serviceChanged(String service, Collection<Endpoint> now) {
    UpstreamTls.Leg leg = tls.legFor(service);
    Map<SessionKey, Endpoint> byAddress = new HashMap<>();
    if (leg.refusal() == null) {
      now.forEach(endpoint -> byAddress.putIfAbsent(new SessionKey(endpoint.address(), leg), endpoint));
    }
    try (AutoLock ignored = tableLock.lock()) {
      Set<SessionKey> addresses = Set.copyOf(byAddress.keySet());
      Set<SessionKey> before = addresses.isEmpty()
          ? addressesByService.remove(service)
          : addressesByService.put(service, addresses);
      before = before == null ? Set.of() : before;
      for (Map.Entry<SessionKey, Endpoint> entry : byAddress.entrySet()) {
        if (!before.contains(entry.getKey())) {
          listings.merge(entry.getKey(), 1, Integer::sum);
          endpointSessions(entry.getKey(), entry.getValue()).socketAddress().refresh();
        }
      }
      for (SessionKey address : before) {
        if (!addresses.contains(address) && listings.merge(address, -1, Integer::sum) == 0) {
          listings.remove(address);
          retire(address);
        }
      }
    }
  }

  private void retire(SessionKey address) {
    EndpointSessions sessions = endpoints.remove(address);
    if (sessions != null) {
      LOG.debug("Endpoint {} left the routing table; closing its sessions as their calls end", address);
      sessions.retire();
      if (!sessions.sessions().isEmpty()) {
        retiring.add(sessions);
      }
    }
  }

  /** Sessions to backends right now, draining ones included. */
  public int sessions() {
    int count = 0;
    for (EndpointSessions sessions : allEndpoints()) {
      count += sessions.sessions().size();
    }
    return count;
  }

  /** Streams open to backends right now, over every session. */
  public int openStreams() {
    int open = 0;
    for (EndpointSessions sessions : allEndpoints()) {
      for (UpstreamSession session : sessions.sessions()) {
        open += session.session().getStreams().size();
      }
    }
    return open;
  }

  /** The sessions, streams and connect failures of every endpoint address, plaintext and TLS legs summed. */
  public List<EndpointLoad> loads() {
    Map<String, EndpointLoad> byAddress = new TreeMap<>();
    for (EndpointSessions sessions : allEndpoints()) {
      int streams = 0;
      for (UpstreamSession session : sessions.sessions()) {
        streams += session.session().getStreams().size();
      }
      EndpointLoad load = new EndpointLoad(sessions.address(), sessions.sessions().size(), streams,
          sessions.connectFailures());
      byAddress.merge(load.address(), load, (a, b) -> new EndpointLoad(a.address(), a.sessions() + b.sessions(),
          a.openStreams() + b.openStreams(), a.connectFailures() + b.connectFailures()));
    }
    return List.copyOf(byAddress.values());
  }

  private Iterable<EndpointSessions> allEndpoints() {
    Set<EndpointSessions> all = new HashSet<>(endpoints.values());
    all.addAll(retiring);
    return all;
  }

  @Override
  protected void doStart() throws Exception {
    super.doStart();
    long interval = config.keepaliveInterval().toMillis();
    if (interval > 0) {
      keepalive = scheduler.schedule(this::keepalive, interval, TimeUnit.MILLISECONDS);
    }
    resolver.scheduleWithFixedDelay(this::refresh, RESOLVE_REFRESH_SECONDS, RESOLVE_REFRESH_SECONDS,
        TimeUnit.SECONDS);
  }

  @Override
  protected void doStop() throws Exception {
    if (keepalive != null) {
      keepalive.cancel();
    }
    resolver.shutdownNow();
    super.doStop();
  }

  /**
   * Looks every backend host name up again, and forgets endpoints that are in no service: retired
   * ones whose last session closed, and any a call reached just as it left the table.
   */
  private void refresh() {
    retiring.removeIf(sessions -> sessions.sessions().isEmpty());
    for (Map.Entry<SessionKey, EndpointSessions> entry : endpoints.entrySet()) {
      boolean listed;
      try (AutoLock ignored = tableLock.lock()) {
        listed = listings.containsKey(entry.getKey());
        if (!listed) {
          retire(entry.getKey());
        }
      }
      if (listed) {
        entry.getValue().socketAddress().refresh();
      }
    }
  }

  /**
   * PINGs every session that carries calls and has no PING outstanding. Each PING gets its own
   * deadline, so a backend that stopped answering is noticed within the keepalive timeout. Idle
   * sessions are left alone: backends such as grpc-java treat PINGs without calls as abuse, and the
   * idle timeout closes them anyway.
   */
  private void keepalive() {
    long timeout = config.keepaliveTimeout().toNanos();
    for (EndpointSessions sessions : allEndpoints()) {
      for (UpstreamSession session : sessions.sessions()) {
        if (session.pingSentNanos() == 0 && session.activeStreams() > 0) {
          long now = System.nanoTime();
          session.pingSent(now);
          session.session().ping(new PingFrame(now, false), Callback.NOOP);
          scheduler.schedule(() -> pingDeadline(session, now), timeout, TimeUnit.NANOSECONDS);
        }
      }
    }
    if (isRunning()) {
      keepalive = scheduler.schedule(this::keepalive, config.keepaliveInterval().toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void pingDeadline(UpstreamSession session, long sent) {
    if (session.pingSentNanos() != sent || session.session().isClosed()) {
      return;
    }
    LOG.warn("Backend {} did not answer a keepalive PING within {}; closing the session",
        session.session().getRemoteSocketAddress(), config.keepaliveTimeout());
    session.drain();
    // A graceful close would wait for a peer that no longer answers; fail the session instead,
    // which fails its streams at once and so ends their calls with UNAVAILABLE.
    ((HTTP2Session) session.session()).onConnectionFailure(ErrorCode.NO_ERROR.code, "keepalive timeout");
  }
}

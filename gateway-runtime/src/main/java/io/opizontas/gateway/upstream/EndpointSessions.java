package io.opizontas.gateway.upstream;

import io.opizontas.gateway.io.WriteCombiningClientConnections;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLException;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.AutoLock;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/2 sessions to one endpoint address. Calls take a stream slot on a session with room;
 * when every session is full (stream limit reached, receive window held by unread responses, or
 * draining after a GOAWAY) one more session is connected, and calls arriving meanwhile wait for it
 * rather than each opening a connection of its own.
 *
 * <p>A waiting call waits at most the connect timeout. After a failed connect, further connects
 * back off (see {@link ReconnectBackoff}) and calls fail at once with the last failure. A backend
 * announcing MAX_CONCURRENT_STREAMS = 0 gets no further connection: calls wait for a SETTINGS that
 * raises the limit.
 */
final class EndpointSessions {

  private static final Logger LOG = LoggerFactory.getLogger(EndpointSessions.class);

  /**
   * Bytes Jetty's HTTP/2 flusher gathers before one socket write. At its 32 KiB default a 64 KiB
   * DATA frame leaves in two system calls.
   */
  private static final int WRITE_THRESHOLD = 128 * 1024;

  private final String address;
  private final EndpointAddress socketAddress;
  private final HTTP2Client client;
  private final WriteCombiningClientConnections connections;
  /** TLS to this endpoint, or null for h2c. */
  private final SslContextFactory.Client tls;
  private final Scheduler scheduler;
  private final long connectTimeoutMillis;
  private final int fullBelowRecvWindow;
  private final AutoLock lock = new AutoLock();
  private final List<UpstreamSession> sessions = new CopyOnWriteArrayList<>();
  private final Queue<Waiter> waiters = new ArrayDeque<>();
  private final ReconnectBackoff backoff = new ReconnectBackoff();
  private boolean connecting;
  private final LongAdder connectFailures = new LongAdder();
  private volatile boolean retired;

  /**
   * {@code address} is the endpoint's {@code host:port}; {@code fullBelowRecvWindow} is the receive
   * window under which a session takes no new call (see {@link UpstreamSession}).
   */
  EndpointSessions(String address, EndpointAddress socketAddress, HTTP2Client client,
      WriteCombiningClientConnections connections, SslContextFactory.Client tls, Scheduler scheduler,
      long connectTimeoutMillis, int fullBelowRecvWindow) {
    this.address = address;
    this.socketAddress = socketAddress;
    this.client = client;
    this.connections = connections;
    this.tls = tls;
    this.scheduler = scheduler;
    this.connectTimeoutMillis = connectTimeoutMillis;
    this.fullBelowRecvWindow = fullBelowRecvWindow;
  }

  /** The endpoint's {@code host:port}. */
  String address() {
    return address;
  }

  /** Connects to this endpoint that failed (metrics). */
  long connectFailures() {
    return connectFailures.sum();
  }

  List<UpstreamSession> sessions() {
    return sessions;
  }

  /** Whether these sessions speak TLS. */
  boolean tls() {
    return tls != null;
  }

  EndpointAddress socketAddress() {
    return socketAddress;
  }

  void acquire(Promise<UpstreamSession> promise) {
    UpstreamSession reserved = reserve();
    if (reserved != null) {
      promise.succeeded(reserved);
      return;
    }
    Throwable fastFailure = null;
    boolean connect = false;
    Waiter waiter = null;
    try (AutoLock ignored = lock.lock()) {
      long now = System.nanoTime();
      // While backing off, a call may still wait for a slot on a live session, but never for a connect.
      if (!connecting && backoff.backingOff(now) && sessions.stream().noneMatch(UpstreamSession::open)) {
        Throwable last = backoff.lastFailure();
        fastFailure = new ConnectException("not reconnecting for " + backoff.remainingMillis(now)
            + " ms after a failed connect: " + (last.getMessage() == null ? last : last.getMessage()));
      } else {
        waiter = new Waiter(promise);
        waiters.add(waiter);
        connect = startConnectIfUseful();
      }
    }
    if (fastFailure != null) {
      promise.failed(fastFailure);
      return;
    }
    waiter.timer = scheduler.schedule(waiter::expire, connectTimeoutMillis, TimeUnit.MILLISECONDS);
    if (connect) {
      connect();
    }
  }

  private UpstreamSession reserve() {
    for (UpstreamSession session : sessions) {
      if (session.tryReserve()) {
        return session;
      }
    }
    return null;
  }

  /**
   * Under the lock: whether to connect one more session for the waiters. Not while one connects,
   * nor during a backoff, nor while a session waits for the backend to allow streams (another would
   * be told the same).
   */
  private boolean startConnectIfUseful() {
    if (connecting || backoff.backingOff(System.nanoTime())
        || sessions.stream().anyMatch(UpstreamSession::awaitingStreams)) {
      return false;
    }
    connecting = true;
    return true;
  }

  /**
   * Connects one more session. It becomes usable once the backend's first SETTINGS arrived, so the
   * pool knows its MAX_CONCURRENT_STREAMS before it opens streams on it. A backend that accepts TCP
   * and then stays silent gets the connect timeout for that whole handshake, after which its
   * connection is closed: neither Jetty's connect nor the idle timeout would end it soon.
   */
  private void connect() {
    socketAddress.whenResolved(new Promise<>() {
      @Override
      public void succeeded(InetSocketAddress resolved) {
        Handshake handshake = new Handshake();
        handshake.timer = scheduler.schedule(handshake::expire, connectTimeoutMillis, TimeUnit.MILLISECONDS);
        // With tls null, h2c. The TLS engine's peer host is resolved.getHostString(): the registered
        // host name (or IP literal), which is the identity a backend's certificate is checked for.
        client.connect(Transport.TCP_IP, tls, resolved, handshake.listener, handshake, connections.connectContext());
      }

      @Override
      public void failed(Throwable failure) {
        connectFailed(failure);
      }
    });
  }

  private void connected(UpstreamSession upstream) {
    sessions.add(upstream);
    LOG.debug("Connected {}", upstream);
    try (AutoLock ignored = lock.lock()) {
      connecting = false;
      backoff.succeeded();
    }
    serveWaiters();
    if (retired) {
      closeIdle();
    }
  }

  private void connectFailed(Throwable failure) {
    connectFailures.increment();
    List<Waiter> failed;
    try (AutoLock ignored = lock.lock()) {
      connecting = false;
      backoff.failed(failure, System.nanoTime());
      failed = new ArrayList<>(waiters);
      waiters.clear();
    }
    if (tls != null && isTls(failure)) {
      // Once per connect attempt, and connects back off: a clear line without a flood.
      LOG.warn("TLS handshake with backend {} failed: {}", address, failure.getMessage());
    } else {
      LOG.debug("Cannot connect to {}", address, failure);
    }
    failed.forEach(waiter -> waiter.fail(failure));
    // The name may point elsewhere now; the next connect uses what this lookup finds.
    socketAddress.refresh();
  }

  private static boolean isTls(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof SSLException) {
        return true;
      }
    }
    return false;
  }

  /** One connect: the session and the backend's first SETTINGS, or a failure, or neither in time. */
  private final class Handshake implements Promise<Session> {
    private final Listener listener = new Listener(this);
    private final AtomicBoolean decided = new AtomicBoolean();
    private final AtomicInteger awaited = new AtomicInteger(2);
    private volatile Session session;
    private volatile Scheduler.Task timer;

    @Override
    public void succeeded(Session session) {
      // HTTP2Client offers no setting for it; the server side is set through its configuration.
      ((HTTP2Session) session).setWriteThreshold(WRITE_THRESHOLD);
      this.session = session;
      if (decided.get()) {
        abandon(session);
        return;
      }
      arrived();
    }

    void settingsReceived() {
      arrived();
    }

    private void arrived() {
      if (awaited.decrementAndGet() != 0) {
        return;
      }
      if (!decided.compareAndSet(false, true)) {
        abandon(session);
        return;
      }
      timer.cancel();
      connected(listener.attach(new UpstreamSession(EndpointSessions.this, session, fullBelowRecvWindow)));
    }

    @Override
    public void failed(Throwable failure) {
      if (decided.compareAndSet(false, true)) {
        timer.cancel();
        connectFailed(failure);
      }
    }

    void expire() {
      if (decided.compareAndSet(false, true)) {
        Session connected = session;
        if (connected != null) {
          abandon(connected);
        }
        connectFailed(new TimeoutException("no HTTP/2 handshake from " + address + " within "
            + connectTimeoutMillis + " ms"));
      }
    }

    /** Closes a connection whose handshake came too late; the peer may never read a GOAWAY. */
    private void abandon(Session session) {
      ((HTTP2Session) session).onConnectionFailure(ErrorCode.NO_ERROR.code, "handshake timed out");
    }
  }

  /**
   * A call waiting for a stream slot. It fails with the connect's failure, or once the connect
   * timeout passed with no connect running and no slot free.
   */
  private final class Waiter {
    private final Promise<UpstreamSession> promise;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile Scheduler.Task timer;

    Waiter(Promise<UpstreamSession> promise) {
      this.promise = promise;
    }

    void succeed(UpstreamSession session) {
      if (done.compareAndSet(false, true)) {
        cancelTimer();
        promise.succeeded(session);
      } else {
        session.release();
      }
    }

    void fail(Throwable failure) {
      if (done.compareAndSet(false, true)) {
        cancelTimer();
        promise.failed(failure);
      }
    }

    private void cancelTimer() {
      Scheduler.Task task = timer;
      if (task != null) {
        task.cancel();
      }
    }

    void expire() {
      boolean zeroStreams;
      try (AutoLock ignored = lock.lock()) {
        if (connecting) {
          // The connect ends within its own timeout and says why better; wait for its outcome.
          timer = scheduler.schedule(this::expire, connectTimeoutMillis, TimeUnit.MILLISECONDS);
          return;
        }
        waiters.remove(this);
        zeroStreams = sessions.stream().anyMatch(UpstreamSession::awaitingStreams);
      }
      fail(new TimeoutException("no stream slot on " + address + " within " + connectTimeoutMillis + " ms"
          + (zeroStreams ? ": the backend allows no streams (MAX_CONCURRENT_STREAMS = 0)" : "")));
    }
  }

  void slotFreed(UpstreamSession session) {
    boolean waiting;
    try (AutoLock ignored = lock.lock()) {
      waiting = !waiters.isEmpty();
    }
    if (waiting) {
      serveWaiters();
    }
    if (retired && session.activeStreams() == 0) {
      closeIdle();
    }
  }

  /** Hands free slots to waiting calls; connects once more if some still wait. */
  private void serveWaiters() {
    boolean connect = false;
    while (true) {
      Waiter waiter;
      UpstreamSession reserved;
      try (AutoLock ignored = lock.lock()) {
        waiter = waiters.peek();
        if (waiter == null) {
          break;
        }
        reserved = reserve();
        if (reserved == null) {
          connect = startConnectIfUseful();
          break;
        }
        waiters.poll();
      }
      waiter.succeed(reserved);
    }
    if (connect) {
      connect();
    }
  }

  /**
   * The endpoint left the routing table: sessions without calls close now, the others take no new
   * call and close when their last call ends.
   */
  void retire() {
    retired = true;
    sessions.forEach(UpstreamSession::drain);
    closeIdle();
  }

  boolean retired() {
    return retired;
  }

  private void closeIdle() {
    for (UpstreamSession session : sessions) {
      if (session.activeStreams() == 0) {
        session.drain();
        sessions.remove(session);
        session.session().close(ErrorCode.NO_ERROR.code, "endpoint removed", Callback.NOOP);
      }
    }
  }

  /** Session events from Jetty: settings, GOAWAY, close, PING acknowledgements. */
  private final class Listener implements Session.Listener {

    private final Handshake handshake;
    private final AtomicBoolean settingsSeen = new AtomicBoolean();
    private volatile UpstreamSession upstream;
    private volatile int maxStreams = Integer.MAX_VALUE;

    Listener(Handshake handshake) {
      this.handshake = handshake;
    }

    /** SETTINGS may arrive before the connect promise completes; apply them once it does. */
    UpstreamSession attach(UpstreamSession session) {
      upstream = session;
      session.maxStreams(maxStreams);
      return session;
    }

    @Override
    public void onSettings(Session session, SettingsFrame frame) {
      if (frame.isReply()) {
        return;
      }
      Integer max = frame.getSettings().get(SettingsFrame.MAX_CONCURRENT_STREAMS);
      if (max != null) {
        maxStreams = max;
        UpstreamSession current = upstream;
        if (current != null) {
          current.maxStreams(max);
          serveWaiters();
        }
      }
      if (settingsSeen.compareAndSet(false, true)) {
        handshake.settingsReceived();
      }
    }

    @Override
    public void onGoAway(Session session, GoAwayFrame frame) {
      UpstreamSession upstream = this.upstream;
      if (upstream != null) {
        LOG.debug("GOAWAY from {}: {}", address, frame);
        upstream.drain();
      }
    }

    @Override
    public void onClose(Session session, GoAwayFrame frame, Callback callback) {
      forget();
      callback.succeeded();
    }

    @Override
    public void onPing(Session session, PingFrame frame) {
      UpstreamSession upstream = this.upstream;
      if (frame.isReply() && upstream != null) {
        upstream.pingAcknowledged();
      }
    }

    @Override
    public void onFailure(Session session, Throwable failure, Callback callback) {
      LOG.debug("Session to {} failed", address, failure);
      forget();
      callback.succeeded();
    }

    private void forget() {
      UpstreamSession upstream = this.upstream;
      if (upstream != null) {
        upstream.drain();
        sessions.remove(upstream);
      }
    }
  }
}

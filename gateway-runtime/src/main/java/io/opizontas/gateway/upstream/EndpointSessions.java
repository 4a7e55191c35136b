package io.opizontas.gateway.upstream;

import io.opizontas.gateway.api.Endpoint;
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
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.AutoLock;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/2 sessions to one endpoint. Calls take a stream slot on a session with room; when every
 * session is full (or draining after a GOAWAY) one more session is connected, and calls arriving
 * meanwhile wait for it rather than each opening a connection of its own.
 */
final class EndpointSessions {

  private static final Logger LOG = LoggerFactory.getLogger(EndpointSessions.class);

  /**
   * Bytes Jetty's HTTP/2 flusher gathers before one socket write. At its 32 KiB default a 64 KiB
   * DATA frame leaves in two system calls.
   */
  private static final int WRITE_THRESHOLD = 128 * 1024;

  private final Endpoint endpoint;
  private final HTTP2Client client;
  private final Scheduler scheduler;
  private final long handshakeTimeoutMillis;
  private final AutoLock lock = new AutoLock();
  private final List<UpstreamSession> sessions = new CopyOnWriteArrayList<>();
  private final Queue<Promise<UpstreamSession>> waiters = new ArrayDeque<>();
  private boolean connecting;

  EndpointSessions(Endpoint endpoint, HTTP2Client client, Scheduler scheduler, long handshakeTimeoutMillis) {
    this.endpoint = endpoint;
    this.client = client;
    this.scheduler = scheduler;
    this.handshakeTimeoutMillis = handshakeTimeoutMillis;
  }

  List<UpstreamSession> sessions() {
    return sessions;
  }

  void acquire(Promise<UpstreamSession> promise) {
    UpstreamSession reserved = reserve();
    if (reserved != null) {
      promise.succeeded(reserved);
      return;
    }
    boolean connect;
    try (AutoLock ignored = lock.lock()) {
      waiters.add(promise);
      connect = !connecting;
      connecting = true;
    }
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
   * Connects one more session. It becomes usable once the backend's first SETTINGS arrived, so the
   * pool knows its MAX_CONCURRENT_STREAMS before it opens streams on it. A backend that accepts TCP
   * and then stays silent gets the connect timeout for that whole handshake: neither Jetty's connect
   * nor the idle timeout would end it soon.
   */
  private void connect() {
    InetSocketAddress address = new InetSocketAddress(endpoint.host(), endpoint.port());
    Handshake handshake = new Handshake();
    handshake.timer = scheduler.schedule(handshake::expire, handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
    client.connect(address, handshake.listener, handshake);
  }

  private void connected(UpstreamSession upstream) {
    sessions.add(upstream);
    LOG.debug("Connected {}", upstream);
    try (AutoLock ignored = lock.lock()) {
      connecting = false;
    }
    serveWaiters();
  }

  private void connectFailed(Throwable failure) {
    List<Promise<UpstreamSession>> failed;
    try (AutoLock ignored = lock.lock()) {
      connecting = false;
      failed = new ArrayList<>(waiters);
      waiters.clear();
    }
    failed.forEach(waiter -> waiter.failed(failure));
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
        session.close(ErrorCode.NO_ERROR.code, "handshake timed out", Callback.NOOP);
        return;
      }
      timer.cancel();
      connected(listener.attach(new UpstreamSession(EndpointSessions.this, session)));
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
        connectFailed(new TimeoutException("no HTTP/2 handshake from " + endpoint.address() + " within "
            + handshakeTimeoutMillis + " ms"));
      }
    }
  }

  void slotFreed() {
    boolean waiting;
    try (AutoLock ignored = lock.lock()) {
      waiting = !waiters.isEmpty();
    }
    if (waiting) {
      serveWaiters();
    }
  }

  /** Hands free slots to waiting calls; connects once more if some still wait. */
  private void serveWaiters() {
    while (true) {
      Promise<UpstreamSession> waiter;
      UpstreamSession reserved;
      try (AutoLock ignored = lock.lock()) {
        waiter = waiters.peek();
        if (waiter == null) {
          return;
        }
        reserved = reserve();
        if (reserved == null) {
          boolean connect = !connecting;
          connecting = true;
          if (connect) {
            break;
          }
          return;
        }
        waiters.poll();
      }
      waiter.succeeded(reserved);
    }
    connect();
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
        LOG.debug("GOAWAY from {}: {}", endpoint.address(), frame);
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
      LOG.debug("Session to {} failed", endpoint.address(), failure);
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

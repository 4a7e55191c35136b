package io.opizontas.gateway.upstream;

import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Session;

/**
 * One HTTP/2 session to a backend endpoint, shared by many calls. A call reserves a stream slot
 * with {@link #tryReserve()} before opening a stream and gives it back with {@link #release()}
 * when the stream closes, so the pool never opens more streams than the backend's
 * MAX_CONCURRENT_STREAMS allows.
 *
 * <p>A session also refuses new calls while its receive window is nearly used up: response bytes
 * that calls have not forwarded yet (their clients stopped reading) hold the connection's window,
 * and a call placed there would wait behind them. Such a session counts as full, so the pool places
 * the call on another session or opens one.
 */
public final class UpstreamSession {

  private final EndpointSessions owner;
  private final Session session;
  private final int fullBelowRecvWindow;
  private final AtomicInteger active = new AtomicInteger();
  private volatile int maxStreams = Integer.MAX_VALUE;
  private volatile boolean draining;
  private volatile long pingSentNanos;

  /**
   * {@code fullBelowRecvWindow}: the receive window (bytes the backend may still send on the
   * connection) under which the session takes no new call.
   */
  UpstreamSession(EndpointSessions owner, Session session, int fullBelowRecvWindow) {
    this.owner = owner;
    this.session = session;
    this.fullBelowRecvWindow = fullBelowRecvWindow;
  }

  /** The {@code :scheme} of requests on this session: {@code https} over TLS, else {@code http}. */
  public String scheme() {
    return owner.tls() ? "https" : "http";
  }

  /** The Jetty session to open the call's stream on. */
  public Session session() {
    return session;
  }

  /** Gives the stream slot back; call exactly once per successful reservation. */
  public void release() {
    active.decrementAndGet();
    owner.slotFreed(this);
  }

  boolean tryReserve() {
    while (true) {
      int current = active.get();
      if (draining || session.isClosed() || current >= maxStreams || !hasReceiveWindow()) {
        return false;
      }
      if (active.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  private boolean hasReceiveWindow() {
    return ((HTTP2Session) session).getRecvWindow() >= fullBelowRecvWindow;
  }

  int activeStreams() {
    return active.get();
  }

  void maxStreams(int max) {
    maxStreams = max;
  }

  /** Neither draining nor closed: the session may take calls once it has room. */
  boolean open() {
    return !draining && !session.isClosed();
  }

  /**
   * The backend announced MAX_CONCURRENT_STREAMS = 0: the session is alive but takes no call until
   * a later SETTINGS raises the limit. Connecting again would only get the same answer.
   */
  boolean awaitingStreams() {
    return maxStreams == 0 && open();
  }

  /** GOAWAY received, keepalive failed or the endpoint left the table: in-flight streams finish, new calls go elsewhere. */
  void drain() {
    draining = true;
  }

  long pingSentNanos() {
    return pingSentNanos;
  }

  void pingSent(long nanos) {
    pingSentNanos = nanos;
  }

  void pingAcknowledged() {
    pingSentNanos = 0;
  }

  @Override
  public String toString() {
    return "UpstreamSession[" + session.getRemoteSocketAddress() + ", active=" + active.get() + "/" + maxStreams
        + (draining ? ", draining" : "") + "]";
  }
}

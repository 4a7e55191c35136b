package io.opizontas.gateway.upstream;

import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http2.api.Session;

/**
 * One HTTP/2 session to a backend endpoint, shared by many calls. A call reserves a stream slot
 * with {@link #tryReserve()} before opening a stream and gives it back with {@link #release()}
 * when the stream closes, so the pool never opens more streams than the backend's
 * MAX_CONCURRENT_STREAMS allows.
 */
public final class UpstreamSession {

  private final EndpointSessions owner;
  private final Session session;
  private final AtomicInteger active = new AtomicInteger();
  private volatile int maxStreams = Integer.MAX_VALUE;
  private volatile boolean draining;
  private volatile long pingSentNanos;

  UpstreamSession(EndpointSessions owner, Session session) {
    this.owner = owner;
    this.session = session;
  }

  /** The Jetty session to open the call's stream on. */
  public Session session() {
    return session;
  }

  /** Gives the stream slot back; call exactly once per successful reservation. */
  public void release() {
    active.decrementAndGet();
    owner.slotFreed();
  }

  boolean tryReserve() {
    while (true) {
      int current = active.get();
      if (draining || session.isClosed() || current >= maxStreams) {
        return false;
      }
      if (active.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  int activeStreams() {
    return active.get();
  }

  void maxStreams(int max) {
    maxStreams = max;
  }

  /** GOAWAY received or keepalive failed: in-flight streams finish, new calls go elsewhere. */
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

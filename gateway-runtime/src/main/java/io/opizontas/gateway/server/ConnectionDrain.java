package io.opizontas.gateway.server;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * While the client listener drains, closes each client connection as soon as its last call ended.
 *
 * <p>Jetty's graceful stop sends every HTTP/2 connection GOAWAY, and once the connection's last
 * stream is done a second GOAWAY, and then waits for the client to close the connection. gRPC C-core
 * closes it; grpc-java keeps it open for as long as its channel lives, so the drain would always
 * last the whole {@code drain_timeout}. A connection with no stream left is therefore closed here
 * (after a final GOAWAY naming the last stream served, so a client knows that nothing later was
 * processed), and so is one that never became HTTP/2 (an HTTP/1.1 request, or a socket that sent
 * nothing).
 *
 * <p>Jetty has no per-session "last stream closed" event, so the connections are looked at every
 * {@value #PERIOD_MS} ms, during the drain only.
 */
final class ConnectionDrain implements AutoCloseable {

  private static final long PERIOD_MS = 20;

  private final List<ServerConnector> connectors;
  private final Scheduler scheduler;
  private volatile boolean closed;
  private volatile Scheduler.Task next;

  private ConnectionDrain(List<ServerConnector> connectors, Scheduler scheduler) {
    this.connectors = List.copyOf(connectors);
    this.scheduler = scheduler;
  }

  /** Starts closing the connectors' connections that have no call in flight. */
  static ConnectionDrain start(List<ServerConnector> connectors, Scheduler scheduler) {
    ConnectionDrain drain = new ConnectionDrain(connectors, scheduler);
    drain.schedule();
    return drain;
  }

  private void schedule() {
    if (!closed) {
      next = scheduler.schedule(this::sweep, PERIOD_MS, TimeUnit.MILLISECONDS);
    }
  }

  private void sweep() {
    try {
      for (EndPoint endPoint : ClientConnections.endPoints(connectors)) {
        HTTP2Connection http2 = ClientConnections.http2(endPoint);
        if (http2 == null) {
          endPoint.close();
        } else if (http2.getSession().getStreams().isEmpty()) {
          Session session = http2.getSession();
          // When Jetty already sent its final GOAWAY this one is not sent and the callback runs at
          // once; otherwise the callback runs once this GOAWAY is written. Closed through the
          // session's own end point, not the socket's: the last call's trailers count as written
          // once gathered (WriteCombiningEndPoint), and its graceful close sends them first.
          session.close(ErrorCode.NO_ERROR.code, "drained", Callback.from(http2.getEndPoint()::close));
        }
      }
    } finally {
      schedule();
    }
  }

  /** Stops looking; connections still open are the listener's to close when it stops. */
  @Override
  public void close() {
    closed = true;
    Scheduler.Task task = next;
    if (task != null) {
      task.cancel();
    }
  }
}

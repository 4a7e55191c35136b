package io.opizontas.gateway.upstream;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.config.UpstreamConfig;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
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
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/2 sessions to every backend endpoint, reused across calls: h2c with prior knowledge, a
 * chosen connect timeout, idle timeout and flow-control windows, and keepalive PINGs that close a
 * session whose backend stopped answering.
 */
public final class UpstreamPool extends ContainerLifeCycle {

  private static final Logger LOG = LoggerFactory.getLogger(UpstreamPool.class);

  /** Socket read size and largest DATA frame accepted from backends (Jetty reads 8 KiB otherwise). */
  private static final int IO_BUFFER_SIZE = 64 * 1024;

  private final UpstreamConfig config;
  private final HTTP2Client client;
  private final Scheduler scheduler;
  private final Map<Endpoint, EndpointSessions> endpoints = new ConcurrentHashMap<>();
  private Scheduler.Task keepalive;

  public UpstreamPool(UpstreamConfig config, Executor executor, Scheduler scheduler, ByteBufferPool buffers) {
    this.config = config;
    this.scheduler = scheduler;
    ClientConnector connector = new ClientConnector();
    connector.setExecutor(executor);
    connector.setScheduler(scheduler);
    connector.setByteBufferPool(buffers);
    connector.setConnectTimeout(config.connectTimeout());
    connector.setIdleTimeout(config.idleTimeout());
    this.client = new HTTP2Client(connector);
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
    addBean(client);
  }

  /**
   * Reserves a stream slot on a session to {@code endpoint}, connecting one if needed. The promise
   * completes on a Jetty thread; it fails when the endpoint cannot be reached within the connect
   * timeout. The caller must {@link UpstreamSession#release() release} the slot when its stream
   * closes, or at once if it does not open one.
   */
  public void acquire(Endpoint endpoint, Promise<UpstreamSession> promise) {
    EndpointSessions sessions = endpoints.get(endpoint);
    if (sessions == null) {
      sessions = endpoints.computeIfAbsent(endpoint,
          e -> new EndpointSessions(e, client, scheduler, config.connectTimeout().toMillis()));
    }
    sessions.acquire(promise);
  }

  /** Sessions to backends right now, draining ones included. */
  public int sessions() {
    int count = 0;
    for (EndpointSessions sessions : endpoints.values()) {
      count += sessions.sessions().size();
    }
    return count;
  }

  /** Streams open to backends right now, over every session. */
  public int openStreams() {
    int open = 0;
    for (EndpointSessions sessions : endpoints.values()) {
      for (UpstreamSession session : sessions.sessions()) {
        open += session.session().getStreams().size();
      }
    }
    return open;
  }

  @Override
  protected void doStart() throws Exception {
    super.doStart();
    long interval = config.keepaliveInterval().toMillis();
    if (interval > 0) {
      keepalive = scheduler.schedule(this::keepalive, interval, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  protected void doStop() throws Exception {
    if (keepalive != null) {
      keepalive.cancel();
    }
    super.doStop();
  }

  /**
   * PINGs every session that carries calls; closes those whose previous PING went unanswered for
   * longer than the keepalive timeout. Idle sessions are left alone: backends such as grpc-java
   * treat PINGs without calls as abuse, and the idle timeout closes them anyway.
   */
  private void keepalive() {
    long now = System.nanoTime();
    long timeout = config.keepaliveTimeout().toNanos();
    for (EndpointSessions sessions : endpoints.values()) {
      for (UpstreamSession session : sessions.sessions()) {
        long sent = session.pingSentNanos();
        if (sent != 0 && now - sent > timeout) {
          LOG.warn("Backend {} did not answer a keepalive PING within {}; closing the session",
              session.session().getRemoteSocketAddress(), config.keepaliveTimeout());
          session.drain();
          // A graceful close would wait for a peer that no longer answers; fail the session instead,
          // which fails its streams at once and so ends their calls with UNAVAILABLE.
          ((HTTP2Session) session.session()).onConnectionFailure(ErrorCode.NO_ERROR.code, "keepalive timeout");
        } else if (sent == 0 && session.activeStreams() > 0) {
          session.pingSent(now);
          session.session().ping(new PingFrame(now, false), Callback.NOOP);
        }
      }
    }
    if (isRunning()) {
      keepalive = scheduler.schedule(this::keepalive, config.keepaliveInterval().toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}

package io.opizontas.gateway.server;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.config.ServerConfig;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.plugin.Plugins;
import io.opizontas.gateway.proxy.CallFilters;
import io.opizontas.gateway.proxy.GrpcCallAcceptor;
import io.opizontas.gateway.routing.Router;
import io.opizontas.gateway.upstream.UpstreamPool;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.WindowRateControl;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: the client listener, the data path and everything they need. Start one with
 * {@link #start}; {@link #close} shuts it down gracefully.
 */
public final class Gateway implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  /**
   * Control frames (RST_STREAM, PING, SETTINGS, empty DATA...) a client connection may send per
   * second before Jetty answers GOAWAY ENHANCE_YOUR_CALM. Jetty's default (50) is sized for
   * browsers; one gRPC connection multiplexing hundreds of short calls legitimately cancels more.
   */
  private static final int MAX_CONTROL_FRAMES_PER_SECOND = 1000;

  private final Server server;
  private final ServerConnector connector;
  private final EndpointTable endpoints;

  private final UpstreamPool upstreams;
  private final Plugins plugins;
  private final ScheduledExecutorService pluginTimers;

  private Gateway(Server server, ServerConnector connector, EndpointTable endpoints, UpstreamPool upstreams,
      Plugins plugins, ScheduledExecutorService pluginTimers) {
    this.server = server;
    this.connector = connector;
    this.endpoints = endpoints;
    this.upstreams = upstreams;
    this.plugins = plugins;
    this.pluginTimers = pluginTimers;
  }

  /** Starts a gateway and returns once it accepts calls. */
  public static Gateway start(GatewayConfig config) throws Exception {
    return start(config, new ArrayByteBufferPool());
  }

  /**
   * Starts a gateway whose client listener and backend sessions share {@code buffers}; tests pass a
   * tracking pool to prove the data path releases every buffer it reads.
   */
  public static Gateway start(GatewayConfig config, ByteBufferPool buffers) throws Exception {
    ScheduledExecutorService pluginTimers = Executors.newSingleThreadScheduledExecutor(daemon("opizontas-plugins"));
    Plugins plugins;
    CallFilters filters;
    try {
      plugins = Plugins.load(config.plugins().directory(), Clock.systemUTC(), pluginTimers);
      try {
        filters = plugins.startChain(config.chain());
      } catch (RuntimeException e) {
        plugins.close();
        throw e;
      }
    } catch (RuntimeException e) {
      pluginTimers.shutdownNow();
      throw e;
    }

    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("opizontas");
    ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("opizontas-timer", true);
    Server server = new Server(threads, scheduler, buffers);

    EndpointTable endpoints = new EndpointTable();
    loadStaticRoutes(config.registries(), endpoints);
    UpstreamPool upstreams = new UpstreamPool(config.upstream(), scheduler, buffers);
    GrpcCallAcceptor acceptor = new GrpcCallAcceptor(new Router(endpoints), upstreams, filters, scheduler);

    ServerConfig listen = config.server();
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendDateHeader(false);
    http.setRequestHeaderSize(listen.maxHeaderListSize());
    PriorKnowledgeH2c h2c = new PriorKnowledgeH2c(http, acceptor);
    h2c.setMaxConcurrentStreams(listen.maxConcurrentStreams());
    h2c.setInitialSessionRecvWindow(listen.sessionWindow());
    h2c.setInitialStreamRecvWindow(listen.streamWindow());
    h2c.setStreamIdleTimeout(0);
    h2c.setUseInputDirectByteBuffers(true);
    h2c.setUseOutputDirectByteBuffers(true);
    h2c.setRateControlFactory(new WindowRateControl.Factory(MAX_CONTROL_FRAMES_PER_SECOND));
    // HTTP/1.1 is accepted only to say "use HTTP/2"; a connection starting with the HTTP/2 preface
    // is handed to h2c at once.
    HttpConnectionFactory http1 = new HttpConnectionFactory(http);
    ServerConnector connector = new ServerConnector(server, http1, h2c);
    connector.setHost(listen.listen().getHostString());
    connector.setPort(listen.listen().getPort());
    connector.setIdleTimeout(listen.idleTimeout().toMillis());
    server.addConnector(connector);
    server.setHandler(new Http1Rejection());
    server.setStopTimeout(listen.drainTimeout().toMillis());
    server.setStopAtShutdown(false);
    // The backend sessions outlive the client listener's drain: they are stopped after it, in close().
    try {
      server.start();
      upstreams.start();
    } catch (Exception e) {
      server.stop();
      plugins.close();
      pluginTimers.shutdownNow();
      throw e;
    }

    Gateway gateway = new Gateway(server, connector, endpoints, upstreams, plugins, pluginTimers);
    LOG.info("Opizontas gateway listening on {} (h2c)", gateway.address());
    return gateway;
  }

  private static void loadStaticRoutes(List<PluginSection> registries, EndpointTable endpoints) {
    for (PluginSection section : registries) {
      if (!"static".equals(section.plugin())) {
        continue;
      }
      Object services = section.settings().getOrDefault("services", Map.of());
      if (!(services instanceof Map<?, ?> table)) {
        throw new IllegalArgumentException(section.origin() + ": services must be a table");
      }
      table.forEach((service, addresses) -> {
        Set<Endpoint> set = new LinkedHashSet<>();
        if (!(addresses instanceof List<?> list)) {
          throw new IllegalArgumentException(section.origin() + ": services." + service + " must be a list of host:port");
        }
        list.forEach(address -> set.add(Endpoint.parse(String.valueOf(address))));
        endpoints.sink("static").update(String.valueOf(service), set);
      });
    }
  }

  private static ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  /** The live routing table; registry backends report into it. */
  public EndpointTable endpoints() {
    return endpoints;
  }

  /** The address the client listener is bound to (the real port when the config asked for 0). */
  public InetSocketAddress address() {
    return new InetSocketAddress(connector.getHost() == null ? "0.0.0.0" : connector.getHost(), connector.getLocalPort());
  }

  /** Client streams open right now, over every client connection. */
  public int openClientStreams() {
    int open = 0;
    for (EndPoint endPoint : connector.getConnectedEndPoints()) {
      if (endPoint.getConnection() instanceof HTTP2Connection connection) {
        open += connection.getSession().getStreams().size();
      }
    }
    return open;
  }

  /** HTTP/2 sessions open to backends right now. */
  public int backendSessions() {
    return upstreams.sessions();
  }

  /** Streams open to backends right now. */
  public int openBackendStreams() {
    return upstreams.openStreams();
  }

  /** Blocks the calling thread until the gateway has stopped. For the CLI's main thread only. */
  public void awaitStopped() throws InterruptedException {
    server.join();
  }

  /** GOAWAY to clients, drain in-flight calls up to the configured timeout, then stop. */
  @Override
  public void close() {
    long start = System.nanoTime();
    try {
      server.stop();
      upstreams.stop();
      plugins.close();
      pluginTimers.shutdownNow();
      LOG.info("Gateway stopped after draining for {} ms", (System.nanoTime() - start) / 1_000_000);
    } catch (Exception e) {
      LOG.warn("Gateway did not stop cleanly", e);
    }
  }
}

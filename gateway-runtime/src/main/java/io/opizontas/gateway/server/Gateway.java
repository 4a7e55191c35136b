package io.opizontas.gateway.server;

import io.opizontas.gateway.admin.AdminApi;
import io.opizontas.gateway.admin.AdminRoute;
import io.opizontas.gateway.admin.AdminServer;
import io.opizontas.gateway.admin.Healthz;
import io.opizontas.gateway.admin.StatusPage;
import io.opizontas.gateway.cli.Version;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.ListenerTlsConfig;
import io.opizontas.gateway.config.PluginsConfig;
import io.opizontas.gateway.config.ServerConfig;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.health.GatewayHealthService;
import io.opizontas.gateway.health.HealthTable;
import io.opizontas.gateway.metrics.CallMetrics;
import io.opizontas.gateway.metrics.GatewayMetrics;
import io.opizontas.gateway.plugin.Plugins;
import io.opizontas.gateway.proxy.GrpcCallAcceptor;
import io.opizontas.gateway.registration.RegistrationServer;
import io.opizontas.gateway.tls.ClientCertificates;
import io.opizontas.gateway.tls.ListenerTls;
import io.opizontas.gateway.tls.UpstreamTls;
import io.opizontas.gateway.upstream.UpstreamPool;
import io.opizontas.gateway.upstream.UpstreamUnaryCalls;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: plugins, registries, the routing table, the client listener, the data path
 * and the registration API. Start one with {@link #start}; {@link #close} shuts it down gracefully.
 */
public final class Gateway implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  /**
   * Control frames (RST_STREAM, SETTINGS, empty DATA, PINGs the gateway answered nothing between...)
   * a client connection may send per second before Jetty answers GOAWAY ENHANCE_YOUR_CALM (see
   * {@link ControlFrameRate}). Jetty's default (50) is sized for browsers; one gRPC connection
   * multiplexing hundreds of short calls legitimately cancels more.
   */
  private static final int MAX_CONTROL_FRAMES_PER_SECOND = 1000;

  /** Bytes Jetty's HTTP/2 flusher gathers before one socket write (Jetty: 32 KiB). */
  private static final int WRITE_THRESHOLD = 128 * 1024;

  /** Socket read size and largest DATA frame accepted from clients (Jetty: 16 KiB). */
  private static final int IO_BUFFER_SIZE = 64 * 1024;

  private final ServerConnector connector;
  /** The TLS listener, or null when [server.tls] is not configured. */
  private final ServerConnector tlsConnector;
  private final EndpointTable endpoints;
  private final HealthTable health;
  private final UpstreamPool upstreams;
  private final ComponentsInUse components;
  /** The admin listener, or null when [admin] listen = "off". */
  private final AdminServer admin;
  /** The metrics, or null without an admin listener. */
  private final GatewayMetrics metrics;
  /** What close() stops, last started first: the listener's drain comes before everything else. */
  private final Deque<AutoCloseable> started;

  private Gateway(ServerConnector connector, ServerConnector tlsConnector, EndpointTable endpoints,
      HealthTable health, UpstreamPool upstreams, ComponentsInUse components, AdminServer admin,
      GatewayMetrics metrics, Deque<AutoCloseable> started) {
    this.connector = connector;
    this.components = components;
    this.admin = admin;
    this.metrics = metrics;
    this.tlsConnector = tlsConnector;
    this.endpoints = endpoints;
    this.health = health;
    this.upstreams = upstreams;
    this.started = started;
  }

  /** Starts a gateway and returns once it accepts calls. */
  public static Gateway start(GatewayConfig config) throws Exception {
    return start(config, new ArrayByteBufferPool());
  }

  /**
   * Starts a gateway whose client listener and backend sessions share {@code buffers}; tests pass a
   * tracking pool to prove the data path releases every buffer it reads. If any part fails to
   * start, the parts already started are stopped before the failure is thrown.
   */
  public static Gateway start(GatewayConfig config, ByteBufferPool buffers) throws Exception {
    Deque<AutoCloseable> started = new ArrayDeque<>();
    try {
      return start(config, buffers, started);
    } catch (Exception | Error e) {
      stopAll(started);
      throw e;
    }
  }

  private static Gateway start(GatewayConfig config, ByteBufferPool buffers, Deque<AutoCloseable> started)
      throws Exception {
    // The call filters' timeouts: plugins run their own tasks elsewhere, so nothing blocks this one.
    ScheduledThreadPoolExecutor filterTimer = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread thread = new Thread(runnable, "opizontas-filter-timer");
      thread.setDaemon(true);
      return thread;
    });
    // Most timeouts are cancelled (the filter answered): keep the queue to the ones still pending.
    filterTimer.setRemoveOnCancelPolicy(true);
    started.push(filterTimer::shutdownNow);
    Plugins plugins = Plugins.load(config.plugins().directory(), PluginsConfig.home(), Clock.systemUTC(), filterTimer);
    started.push(plugins);
    EndpointTable endpoints = new EndpointTable();
    // Counted only where they can be read: on the admin listener.
    GatewayMetrics metrics = config.admin().listen().isPresent()
        ? new GatewayMetrics(service -> endpoints.lookup(service) != null, Version.current())
        : null;
    if (metrics != null) {
      plugins.countFailures(metrics::pluginFailed);
    }
    HealthTable health = HealthTable.follow(endpoints, config.health());
    started.push(health);

    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("opizontas");
    // No reserved threads: Jetty then runs each HTTP/2 connection's non-blocking I/O work on the
    // selector thread that saw the event (as Envoy's workers do), instead of waking a reserved thread
    // to take over selecting for every read. Nothing the data path runs blocks: filters run on their
    // own pool, and balancers must not block (Balancer's contract).
    threads.setReservedThreads(0);
    ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("opizontas-timer", true);
    Server server = new Server(threads, scheduler, buffers);
    UpstreamTls upstreamTls = UpstreamTls.start(config.tls().upstream(), plugins::startTlsProvider);
    UpstreamPool upstreams = new UpstreamPool(config.upstream(), config.server().headerDecodeLimit(), threads,
        scheduler, buffers, upstreamTls);
    ListenerTls listenerTls = config.tls().listener().isPresent()
        ? ListenerTls.start(config.tls().listener().get(), plugins::startTlsProvider)
        : null;
    // Backend sessions must outlive the client listener's drain, so they stop after it.
    upstreams.start();
    started.push(upstreams::stop);
    // Probers may call endpoints over the same sessions as routed calls (grpc-health does).
    plugins.lendEndpointCalls(new UpstreamUnaryCalls(upstreams, scheduler));
    // The reloadable part: what a reload builds again, the same way.
    Components components = Components.build(config, plugins, endpoints, health, null, 0);
    started.push(components);
    ClientCertificates certificates = new ClientCertificates(RegistrationServer.SERVICE, listenerTls);
    GrpcCallAcceptor acceptor = new GrpcCallAcceptor(components.router, upstreams, components.filters,
        scheduler, config.server().maxHeaderListSize(), config.server().maxHops(), certificates,
        metrics == null ? CallMetrics.NONE : metrics);
    HttpConfiguration http = httpConfiguration(config.server());
    // HTTP/1.1 is accepted only to say "use HTTP/2"; a connection starting with the HTTP/2 preface
    // is handed to h2c at once.
    ServerConnector connector = listener(server, config.server(), config.server().listen(),
        new HttpConnectionFactory(http), new PriorKnowledgeH2c(http, acceptor));
    server.addConnector(connector);
    ServerConnector tlsConnector = null;
    if (listenerTls != null) {
      tlsConnector = tlsListener(server, config.server(), config.tls().listener().get(), listenerTls, http, acceptor);
      server.addConnector(tlsConnector);
    }
    List<ServerConnector> listeners = tlsConnector == null ? List.of(connector) : List.of(connector, tlsConnector);
    server.setHandler(new Http1Rejection());
    // drain() waits for the calls itself, so that it can say what the timeout cut.
    server.setStopTimeout(0);
    server.setStopAtShutdown(false);
    // From here the components in use close them, with any a reload leaves retiring.
    started.remove(components);
    ComponentsInUse inUse = new ComponentsInUse(config, components, plugins, endpoints, health, acceptor,
        () -> streams(listeners), scheduler);
    started.push(inUse);
    EndpointTable.Subscription pruning =
        endpoints.follow(snapshot -> upstreams.serviceChanged(snapshot.service(), snapshot.asList()));
    started.push(pruning::close);
    // The gateway's own health: answered until the listener has drained, NOT_SERVING from its start.
    GatewayHealthService selfHealth = new GatewayHealthService(health);
    started.push(selfHealth);
    endpoints.gatewaySink().update(GatewayHealthService.SERVICE, Set.of(selfHealth.start()));
    // Before the client listener: a taken admin port refuses the start before any call is accepted.
    // It stops after the drain, so that /healthz says "draining" and /metrics is scraped meanwhile.
    Healthz healthz = new Healthz();
    List<AdminRoute> adminRoutes = new ArrayList<>();
    adminRoutes.add(new AdminRoute("/healthz", AdminRoute.Access.OPEN, healthz));
    AdminApi adminApi = null;
    if (metrics != null) {
      adminApi = new AdminApi(inUse::config, endpoints, health, upstreams::loads, metrics, plugins, inUse::probes);
      adminRoutes.addAll(adminApi.routes());
      adminRoutes.addAll(StatusPage.routes());
      metrics.watchEndpoints(health::statuses, upstreams::loads);
      metrics.watchClientConnections(() -> ClientConnections.endPoints(listeners).size());
      metrics.watchPlugins(plugins::pluginMetrics);
      adminRoutes.add(new AdminRoute("/metrics", AdminRoute.Access.READ, metrics.handler()));
    }
    ListenerTls adminTls = config.admin().tls().isPresent()
        ? ListenerTls.start(config.admin().tls().get(), plugins::startTlsProvider)
        : null;
    AdminServer admin = config.admin().listen().isPresent()
        ? AdminServer.start(config.admin().listen().get(), config.admin().tokenSha256s(), adminRoutes, adminTls)
        : null;
    if (admin != null) {
      started.push(admin);
    }
    server.start();
    Duration drainTimeout = config.server().drainTimeout();
    started.push(() -> {
      selfHealth.draining();
      healthz.draining();
      drain(server, listeners, scheduler, drainTimeout);
    });

    Gateway gateway = new Gateway(connector, tlsConnector, endpoints, health, upstreams, inUse, admin, metrics,
        started);
    if (config.registration().enabled()) {
      // Its loop guard needs the bound port; it stops right after the listener drained.
      AutoCloseable stopListener = started.pop();
      RegistrationServer registration = new RegistrationServer(config.registration(),
          components.registries.registrar().orElseThrow(), endpoints, gateway.addresses(), certificates);
      started.push(registration);
      started.push(stopListener);
      if (metrics != null) {
        metrics.watchLeases(registration.leases());
        adminApi.watchLeases(registration.leases());
      }
      // Routed like any service, so registration calls go through the chain and the data path too.
      endpoints.gatewaySink().update(RegistrationServer.SERVICE, Set.of(registration.start()));
    }
    LOG.info("Opizontas gateway listening on {} (h2c){}", gateway.address(),
        tlsConnector == null ? "" : " and " + gateway.tlsAddress() + " (h2 over TLS, client_auth = "
            + config.tls().listener().get().clientAuth().name().toLowerCase(java.util.Locale.ROOT) + ")");
    return gateway;
  }

  private static HttpConfiguration httpConfiguration(ServerConfig listen) {
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendDateHeader(false);
    // Jetty's decoder fails the whole connection when a header block exceeds its limit (the HPACK
    // state is lost mid-block), so it gets the larger decode limit and the configured one is
    // enforced per call by the acceptor. The decode limit is also what SETTINGS announces: Jetty
    // applies the announced MAX_HEADER_LIST_SIZE to its own decoder. Responses may carry what
    // backends are allowed to send.
    http.setRequestHeaderSize(listen.headerDecodeLimit());
    http.setResponseHeaderSize(listen.headerDecodeLimit());
    // The server side's flusher threshold is read from here.
    http.setOutputBufferSize(WRITE_THRESHOLD);
    return http;
  }

  /**
   * h2 over TLS: TLS (Jetty's, on the JDK's engine), then ALPN, which offers "h2" only (gRPC has no
   * HTTP/1.1), then the same raw HTTP/2 and data path as h2c. Decrypted bytes reach the data path
   * in Jetty's buffers as before: nothing is copied past decryption.
   */
  private static ServerConnector tlsListener(Server server, ServerConfig settings, ListenerTlsConfig tlsConfig,
      ListenerTls tls, HttpConfiguration http, GrpcCallAcceptor acceptor) {
    RawH2 h2 = new RawH2(http, acceptor, "h2");
    ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory(h2.getProtocol());
    alpn.setDefaultProtocol(h2.getProtocol());
    SslConnectionFactory ssl = new SslConnectionFactory(tls.factory(), alpn.getProtocol());
    ssl.addBean(tls.handshakeLog());
    // Jetty reads TLS records into buffers of the session's packet size; direct ones spare a copy.
    ssl.setDirectBuffersForEncryption(true);
    ssl.setDirectBuffersForDecryption(true);
    return listener(server, settings, tlsConfig.listen(), ssl, alpn, h2);
  }

  private static ServerConnector listener(Server server, ServerConfig listen, InetSocketAddress address,
      ConnectionFactory... factories) {
    for (ConnectionFactory factory : factories) {
      if (factory instanceof RawH2 h2) {
        configure(h2, listen);
      }
    }
    ServerConnector connector = new ServerConnector(server, factories);
    connector.setHost(address.getHostString());
    connector.setPort(address.getPort());
    connector.setIdleTimeout(listen.idleTimeout().toMillis());
    // On shutdown Jetty cuts every connection's idle timeout to this (1 s by default), and an HTTP/2
    // session that has sent GOAWAY resets its streams when that timer fires: a call whose client and
    // backend stay quiet for a second (any slow unary call) would die long before drain_timeout.
    // drain() ends the drain at its timeout.
    connector.setShutdownIdleTimeout(listen.drainTimeout().toMillis());
    return connector;
  }

  private static void configure(RawH2 h2c, ServerConfig listen) {
    h2c.setMaxConcurrentStreams(listen.maxConcurrentStreams());
    h2c.setInitialSessionRecvWindow(listen.sessionWindow());
    h2c.setInitialStreamRecvWindow(listen.streamWindow());
    h2c.setStreamIdleTimeout(0);
    // Read and accept frames of up to 64 KiB: at Jetty's 16 KiB defaults most DATA frames straddle
    // two reads and cost one forwarded write each half.
    h2c.setInputBufferSize(IO_BUFFER_SIZE);
    h2c.setMaxFrameSize(IO_BUFFER_SIZE);
    h2c.setUseInputDirectByteBuffers(true);
    h2c.setUseOutputDirectByteBuffers(true);
    h2c.limitControlFrames(MAX_CONTROL_FRAMES_PER_SECOND);
  }

  /**
   * Jetty's graceful shutdown: the listener stops accepting and every client connection gets
   * GOAWAY; connections whose calls are over are closed as they get there, and the listener stops
   * when the last one is closed or at the drain timeout, which cuts the calls still running.
   */
  private static void drain(Server server, List<ServerConnector> connectors, Scheduler scheduler, Duration timeout)
      throws Exception {
    if (!timeout.isZero()) {
      try (ConnectionDrain closing = ConnectionDrain.start(connectors, scheduler)) {
        Graceful.shutdown(server).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        LOG.warn("The drain timeout ({} ms) is over: ending the calls still in flight ({})", timeout.toMillis(),
            openStreams(connectors));
      }
    }
    server.stop();
  }

  /**
   * Applies {@code next}: the call filter chain, routes, registries, balancing and health change for
   * calls that start from now on, while calls in flight finish with the chain and routes they started
   * with; the extensions of the replaced configuration are closed once those calls are over (at most
   * {@code server.drain_timeout} later). Every new extension starts before the swap: when one fails,
   * or the configuration is refused, nothing changes and the outcome says why. Settings that need a
   * restart ({@link io.opizontas.gateway.config.RestartSettings}) keep their running value and are
   * named in the outcome. {@link ConfigReload} reloads from the configuration file.
   */
  public ReloadOutcome reload(GatewayConfig next) {
    return components.reload(next);
  }

  /** The configuration in use: as started, or as the last reload applied it. */
  public GatewayConfig config() {
    return components.config();
  }

  /** The live routing table; registry backends report into it. */
  public EndpointTable endpoints() {
    return endpoints;
  }

  /** The state of every endpoint: probes, ejections, what calls are routed to. */
  public HealthTable health() {
    return health;
  }

  /** The address the client listener is bound to (the real port when the config asked for 0). */
  public InetSocketAddress address() {
    return new InetSocketAddress(connector.getHost() == null ? "0.0.0.0" : connector.getHost(), connector.getLocalPort());
  }

  /**
   * The address the TLS listener is bound to (the real port when the config asked for 0).
   *
   * @throws IllegalStateException when no TLS listener is configured
   */
  public InetSocketAddress tlsAddress() {
    if (tlsConnector == null) {
      throw new IllegalStateException("no TLS listener: [server.tls] is not configured");
    }
    return new InetSocketAddress(tlsConnector.getHost() == null ? "0.0.0.0" : tlsConnector.getHost(),
        tlsConnector.getLocalPort());
  }

  /**
   * The address the admin listener is bound to (the real port when the config asked for 0).
   *
   * @throws IllegalStateException when the admin listener is off
   */
  public InetSocketAddress adminAddress() {
    if (admin == null) {
      throw new IllegalStateException("no admin listener: [admin] listen = \"off\"");
    }
    return admin.address();
  }

  /** The gateway's metrics; empty when the admin listener is off, as nothing is counted then. */
  public Optional<GatewayMetrics> metrics() {
    return Optional.ofNullable(metrics);
  }

  /** Every address the gateway accepts calls on: the h2c listener, then the TLS one if any. */
  public List<InetSocketAddress> addresses() {
    return tlsConnector == null ? List.of(address()) : List.of(address(), tlsAddress());
  }

  /** Client streams open right now, over every client connection of both listeners. */
  public int openClientStreams() {
    return openStreams(tlsConnector == null ? List.of(connector) : List.of(connector, tlsConnector));
  }

  /** The client streams open now on {@code connectors}: the calls in flight. */
  private static List<Stream> streams(List<ServerConnector> connectors) {
    List<Stream> open = new ArrayList<>();
    for (EndPoint endPoint : ClientConnections.endPoints(connectors)) {
      HTTP2Connection connection = ClientConnections.http2(endPoint);
      if (connection != null) {
        open.addAll(connection.getSession().getStreams());
      }
    }
    return open;
  }

  private static int openStreams(List<ServerConnector> connectors) {
    return streams(connectors).size();
  }


  /** HTTP/2 sessions open to backends right now. */
  public int backendSessions() {
    return upstreams.sessions();
  }

  /** Streams open to backends right now. */
  public int openBackendStreams() {
    return upstreams.openStreams();
  }

  /**
   * GOAWAY to clients, in-flight calls drain up to the configured timeout, then the registration
   * API, backend sessions, registries and plugins stop, in that order.
   */
  @Override
  public synchronized void close() {
    if (started.isEmpty()) {
      return; // closed already, by another thread such as a shutdown hook
    }
    long start = System.nanoTime();
    stopAll(started);
    LOG.info("Gateway stopped after draining for {} ms", (System.nanoTime() - start) / 1_000_000);
  }

  private static void stopAll(Deque<AutoCloseable> started) {
    while (!started.isEmpty()) {
      AutoCloseable part = started.pop();
      try {
        part.close();
      } catch (Exception e) {
        LOG.warn("Part of the gateway did not stop cleanly: {}", part, e);
      }
    }
  }
}

package io.opizontas.gateway.registration;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.opizontas.gateway.api.Durations;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.Registrar;
import io.opizontas.gateway.config.RegistrationConfig;
import io.opizontas.gateway.config.RegistrationToken;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.tls.ClientCertificates;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosts {@code opizontas.registry.v1.Registry} on a loopback port that only the gateway knows: the
 * data path routes the service to {@link #start()}'s endpoint, so clients reach it on the gateway's
 * own listener, through the same connection handling, TLS and filters as any other call.
 *
 * <p>Registrar calls may block (a ZooKeeper round trip), so they run on a small pool of their own,
 * never on the data path's threads.
 */
public final class RegistrationServer implements AutoCloseable {

  /** The fully qualified name of the registration service, as it appears in call paths. */
  public static final String SERVICE = RegistryService.SERVICE_NAME;

  private static final Logger LOG = LoggerFactory.getLogger(RegistrationServer.class);
  private static final int WORKERS = 4;
  private static final int MAX_MESSAGE_BYTES = 64 * 1024;

  private final RegistrationConfig config;
  private final Registrar registrar;
  private final EndpointTable table;
  private final List<InetSocketAddress> gatewayListeners;
  private final ClientCertificates clientCertificates;
  private final LeaseLedger leases = new LeaseLedger(System::nanoTime);
  private ExecutorService workers;
  private Server server;

  /**
   * @param config           the {@code [registration]} section (TTL and tokens)
   * @param registrar        where registrations are stored
   * @param table            the live routing table, for {@code Watch}
   * @param gatewayListeners the gateway's client-facing listeners: registering one of them is
   *                         refused, since calls to it would loop through the gateway
   */
  public RegistrationServer(
      RegistrationConfig config,
      Registrar registrar,
      EndpointTable table,
      List<InetSocketAddress> gatewayListeners) {
    this(config, registrar, table, gatewayListeners, null);
  }

  /**
   * @param clientCertificates reads the client certificates the gateway's data path hands on, for
   *                           {@code [[registration.certificates]]}; null: tokens only
   */
  public RegistrationServer(
      RegistrationConfig config,
      Registrar registrar,
      EndpointTable table,
      List<InetSocketAddress> gatewayListeners,
      ClientCertificates clientCertificates) {
    this.config = config;
    this.registrar = registrar;
    this.table = table;
    this.gatewayListeners = List.copyOf(gatewayListeners);
    this.clientCertificates = clientCertificates;
  }

  /** Binds 127.0.0.1 on an ephemeral port and returns where the gateway should route the service. */
  public Endpoint start() throws IOException {
    return start(0);
  }

  /**
   * The configured tokens or, when there are none, one made for this run: no instance registers
   * without a credential, yet a gateway started without configuration can be tried at once.
   */
  private List<RegistrationToken> tokensOrRunToken() {
    if (!config.tokens().isEmpty() || !config.certificates().isEmpty()) {
      return config.tokens();
    }
    byte[] secret = new byte[24];
    new SecureRandom().nextBytes(secret);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    LOG.warn("No [[registration.tokens]] configured: registrations need this run's token, {} "
        + "(try: bin/opizontas demo --token {}). Configure tokens to fix it.", token, token);
    return List.of(new RegistrationToken(RegistrationTokens.sha256(token), List.of("*")));
  }

  /** The leases granted through this API (metrics, admin API). */
  public LeaseLedger leases() {
    return leases;
  }

  /**
   * Binds 127.0.0.1 on {@code port} (0: any free port) and returns where the gateway should route
   * the service. A fixed port is for tests that restart the API where clients expect it.
   */
  public synchronized Endpoint start(int port) throws IOException {
    if (server != null) {
      throw new IllegalStateException("already started");
    }
    RegistrationTokens tokens = new RegistrationTokens(tokensOrRunToken());
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    workers = Executors.newFixedThreadPool(WORKERS, daemonThreads());
    RegistryService service =
        new RegistryService(registrar, config.leaseTtl(), new LoopGuard(gatewayListeners), table, leases);
    server =
        NettyServerBuilder.forAddress(loopback)
            .executor(workers)
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            // The gateway's upstream pool pings idle sessions; grpc-java's default would answer with
            // GOAWAY too_many_pings.
            .permitKeepAliveTime(5, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .addService(ServerInterceptors.intercept(service, new CallerInterceptor(tokens,
                new RegistrationCertificates(config.certificates()), clientCertificates)))
            .build()
            .start();
    InetSocketAddress bound = (InetSocketAddress) server.getListenSockets().get(0);
    LOG.debug("registration API listening on {} (lease ttl {})", bound, Durations.format(config.leaseTtl()));
    return Endpoint.of(bound.getAddress().getHostAddress(), bound.getPort());
  }

  /** Stops accepting calls, ends open streams, and waits briefly for in-flight ones. */
  @Override
  public synchronized void close() {
    if (server == null) {
      return;
    }
    server.shutdown();
    try {
      if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    workers.shutdownNow();
    server = null;
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, "registration-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}

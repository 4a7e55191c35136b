package io.opizontas.gateway.plugins.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCalls;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.health.EndpointStatus;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.RawBackend;
import io.opizontas.gateway.testing.TestGateways;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged health-probers jar in a real gateway, probing real grpc-java backends: a stopped
 * backend, a hung one and one that says NOT_SERVING leave rotation within interval ×
 * unhealthy_threshold + timeout, and calls go only to the others meanwhile.
 */
class ProbesThroughGatewayIT {

  // Short, so the tests are quick; not shorter, so a cold JVM's first connections are not failures.
  private static final Duration INTERVAL = Duration.ofMillis(500);
  private static final Duration TIMEOUT = Duration.ofMillis(450);
  /** interval × unhealthy_threshold + timeout, and room for a loaded test machine. */
  private static final Duration BOUND = INTERVAL.multipliedBy(2).plus(TIMEOUT).plusSeconds(2);

  @TempDir Path dir;

  private final List<Server> backends = new ArrayList<>();
  private final List<HealthStatusManager> health = new ArrayList<>();
  /** Calls served per backend port. */
  private final Map<Integer, AtomicInteger> served = new ConcurrentHashMap<>();
  private Gateway gateway;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    for (int i = 0; i < 3; i++) {
      startBackend();
    }
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(Path.of(System.getProperty("plugin.jar")), plugins.resolve("health-probers.jar"));
    Path toml = dir.resolve("gateway.toml");
    Files.writeString(toml, """
        [admin]
        listen = "off"

        [server]
        listen = "127.0.0.1:0"

        [plugins]
        directory = "%s"

        [registration]
        enabled = false

        [health]
        prober = "grpc-health"
        interval = "%dms"
        timeout = "%dms"

        [[health.services]]
        pattern = "tcp.*"
        prober = "tcp"
        """.formatted(plugins, INTERVAL.toMillis(), TIMEOUT.toMillis()));
    gateway = Gateway.start(GatewayConfigReader.read(toml));
    channel = TestGateways.channel(gateway);
  }

  private Server startBackend() throws Exception {
    HealthStatusManager manager = new HealthStatusManager();
    manager.setStatus(ByteService.SERVICE, ServingStatus.SERVING);
    AtomicInteger count = new AtomicInteger();
    ByteService bytes = new ByteService();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(manager.getHealthService())
        .addService(io.grpc.ServerInterceptors.intercept(bytes.definition(), new io.grpc.ServerInterceptor() {
          @Override
          public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, A> call,
              io.grpc.Metadata headers, io.grpc.ServerCallHandler<Q, A> next) {
            count.incrementAndGet();
            return next.startCall(call, headers);
          }
        }))
        .build().start();
    served.put(server.getPort(), count);
    backends.add(server);
    health.add(manager);
    return server;
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (gateway != null) {
      gateway.close();
    }
    for (Server server : backends) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static Endpoint endpoint(Server server) {
    return Endpoint.of("127.0.0.1", server.getPort());
  }

  private void route(String service, List<Endpoint> endpoints) {
    TestGateways.route(gateway, Map.of(service, endpoints));
  }

  private boolean routable(String service, Endpoint endpoint) {
    return gateway.health().statuses().stream()
        .filter(s -> s.service().equals(service) && s.endpoint().equals(endpoint))
        .allMatch(EndpointStatus::routable);
  }

  private void callsSucceed(int calls) {
    for (int i = 0; i < calls; i++) {
      ClientCalls.blockingUnaryCall(channel, ByteService.ECHO,
          CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), new byte[8]);
    }
  }

  @Test
  void aStoppedBackendLeavesRotationWithinTheBound() {
    route(ByteService.SERVICE, backends.stream().map(ProbesThroughGatewayIT::endpoint).toList());
    Server victim = backends.get(0);
    Endpoint gone = endpoint(victim);
    callsSucceed(6);

    long killed = System.nanoTime();
    victim.shutdownNow();
    await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> !routable(ByteService.SERVICE, gone));
    long outMillis = (System.nanoTime() - killed) / 1_000_000;

    int before = served.get(gone.port()).get();
    callsSucceed(30);
    assertThat(served.get(gone.port()).get()).isEqualTo(before);
    assertThat(outMillis).isLessThanOrEqualTo(BOUND.toMillis());
  }

  /**
   * Unary load over three backends, one killed: calls that started after it left rotation all
   * succeed. (Calls in flight on it, and calls picked for it before it left, fail until the
   * transparent retries of the balancing work cover them.)
   */
  @Test
  void underSteadyLoadNoCallStartedAfterTheEjectionFails() throws Exception {
    route(ByteService.SERVICE, backends.stream().map(ProbesThroughGatewayIT::endpoint).toList());
    Server victim = backends.get(0);
    Endpoint gone = endpoint(victim);
    List<Long> failedStarts = new java.util.concurrent.CopyOnWriteArrayList<>();
    AtomicInteger ok = new AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
    List<Thread> load = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread thread = new Thread(() -> {
        while (running.get()) {
          long start = System.nanoTime();
          try {
            ClientCalls.blockingUnaryCall(channel, ByteService.ECHO,
                CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), new byte[8]);
            ok.incrementAndGet();
          } catch (StatusRuntimeException e) {
            failedStarts.add(start);
          }
        }
      });
      thread.start();
      load.add(thread);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() > 300);

    victim.shutdownNow();
    await().atMost(BOUND).pollInterval(Duration.ofMillis(5)).until(() -> !routable(ByteService.SERVICE, gone));
    long out = System.nanoTime();
    int okAtOut = ok.get();
    await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() > okAtOut + 300);
    running.set(false);
    for (Thread thread : load) {
      thread.join(10_000);
    }

    assertThat(failedStarts).allMatch(start -> start - out < 0);
  }

  @Test
  void aHungBackendIsTakenOutByProbeTimeouts() throws Exception {
    // Accepts TCP and HTTP/2 and every stream, and never answers any.
    AtomicInteger hung = new AtomicInteger();
    try (RawBackend silent = new RawBackend((stream, request) -> hung.incrementAndGet())) {
      List<Endpoint> endpoints = new ArrayList<>(backends.stream().map(ProbesThroughGatewayIT::endpoint).toList());
      endpoints.add(silent.endpoint());
      route(ByteService.SERVICE, endpoints);

      await().atMost(BOUND).pollInterval(Duration.ofMillis(10))
          .until(() -> !routable(ByteService.SERVICE, silent.endpoint()));
      assertThat(gateway.health().statuses()).filteredOn(s -> s.endpoint().equals(silent.endpoint()))
          .extracting(EndpointStatus::lastProbe).allMatch(last -> last.contains("DEADLINE_EXCEEDED")
              || last.contains("no answer within"));

      int probesAndCalls = hung.get();
      callsSucceed(30);
      // Only probes reached it since: calls all went to the three answering backends.
      assertThat(served.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(30);
      assertThat(hung.get() - probesAndCalls).isLessThanOrEqualTo(2);
    }
  }

  @Test
  void notServingLeavesRotationAndServingBringsItBack() {
    route(ByteService.SERVICE, backends.stream().map(ProbesThroughGatewayIT::endpoint).toList());
    Endpoint flipped = endpoint(backends.get(1));

    health.get(1).setStatus(ByteService.SERVICE, ServingStatus.NOT_SERVING);
    await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> !routable(ByteService.SERVICE, flipped));
    int before = served.get(flipped.port()).get();
    callsSucceed(30);
    assertThat(served.get(flipped.port()).get()).isEqualTo(before);

    health.get(1).setStatus(ByteService.SERVICE, ServingStatus.SERVING);
    await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> routable(ByteService.SERVICE, flipped));
    callsSucceed(30);
    assertThat(served.get(flipped.port()).get()).isGreaterThan(before);
  }

  @Test
  void aBackendWithoutTheHealthServiceCountsAsHealthyByDefault() throws Exception {
    Server plain = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new ByteService().definition()).build().start();
    backends.add(plain);
    route(ByteService.SERVICE, List.of(endpoint(plain)));

    await().atMost(BOUND).until(() -> gateway.health().statuses().stream()
        .anyMatch(s -> s.endpoint().equals(endpoint(plain)) && s.lastProbe().contains("'grpc-health': HEALTHY")));
    assertThat(routable(ByteService.SERVICE, endpoint(plain))).isTrue();
    callsSucceed(3);
  }

  @Test
  void theTcpProberNoticesAStoppedBackend() {
    String service = "tcp.Bytes";
    Server victim = backends.get(2);
    Endpoint gone = endpoint(victim);
    route(service, backends.stream().map(ProbesThroughGatewayIT::endpoint).toList());
    await().atMost(BOUND).until(() -> gateway.health().statuses().stream()
        .anyMatch(s -> s.service().equals(service) && s.lastProbe().contains("'tcp': HEALTHY")));

    victim.shutdownNow();
    await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> !routable(service, gone));
    assertThat(gateway.health().statuses()).filteredOn(s -> s.service().equals(service))
        .filteredOn(EndpointStatus::routable).hasSize(2);
  }
}

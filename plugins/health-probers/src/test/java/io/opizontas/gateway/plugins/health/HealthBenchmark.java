package io.opizontas.gateway.plugins.health;

import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCalls;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.health.EndpointStatus;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.TestGateways;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How fast a dead or hung backend leaves rotation with the default [health] settings, and what
 * probing 10,000 (service, endpoint) pairs costs the gateway. A plain harness, not a test (timings
 * must not fail builds); see docs/benchmarks.md for how to run it and the figures.
 */
public final class HealthBenchmark {

  private static final String SERVICE = ByteService.SERVICE;

  private HealthBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(System.getProperty("plugin.jar"));
    int trials = Integer.getInteger("trials", 10);
    Path dir = Files.createTempDirectory("health-bench");
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(jar, plugins.resolve("health-probers.jar"));
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
        """.formatted(plugins));
    String scenarios = System.getProperty("scenarios", "kill,hang,probing");
    try (Gateway gateway = Gateway.start(GatewayConfigReader.read(toml))) {
      if (scenarios.contains("kill")) {
        leaveRotation(gateway, trials, false);
      }
      if (scenarios.contains("hang")) {
        leaveRotation(gateway, trials, true);
      }
    }
    if (scenarios.contains("probing")) {
      try (Gateway gateway = Gateway.start(GatewayConfigReader.read(toml))) {
        probingCost(gateway, Integer.getInteger("backends", 50), Integer.getInteger("services", 200));
      }
    }
  }

  /** A grpc-java backend with a health service; once {@link #hang} is set it answers nothing. */
  private static final class Backend {
    final HealthStatusManager health = new HealthStatusManager();
    final AtomicBoolean hung = new AtomicBoolean();
    final AtomicLong lastArrival = new AtomicLong();
    final AtomicLong calls = new AtomicLong();
    final Server server;
    final Endpoint endpoint;

    Backend(Set<String> services) throws Exception {
      services.forEach(service -> health.setStatus(service, ServingStatus.SERVING));
      server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
          .addService(health.getHealthService())
          .addService(new ByteService().definition())
          .intercept(new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                ServerCallHandler<Q, A> next) {
              calls.incrementAndGet();
              if (hung.get()) {
                // Routed calls only: the gateway's probes keep coming after the endpoint is out.
                if (call.getMethodDescriptor().getServiceName().equals(SERVICE)) {
                  lastArrival.set(System.nanoTime());
                }
                return new ServerCall.Listener<>() {};
              }
              return next.startCall(call, headers);
            }
          })
          .build().start();
      endpoint = Endpoint.of("127.0.0.1", server.getPort());
    }

    Endpoint endpoint() {
      return endpoint;
    }
  }

  /** Kill (or hang) one of three backends under 200 unary calls a second; time until it is out. */
  private static void leaveRotation(Gateway gateway, int trials, boolean hang) throws Exception {
    Backend a = new Backend(Set.of(SERVICE));
    Backend b = new Backend(Set.of(SERVICE));
    ManagedChannel channel = TestGateways.channel(gateway);
    ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
    AtomicLong lastFailureNamingVictim = new AtomicLong();
    String[] victimAddress = {""};
    AtomicLong sequence = new AtomicLong();
    Map<Long, Long> openCallStarts = new ConcurrentHashMap<>();
    load.scheduleAtFixedRate(() -> {
      long start = System.nanoTime();
      long id = sequence.incrementAndGet();
      openCallStarts.put(id, start);
      var call = ClientCalls.futureUnaryCall(channel.newCall(ByteService.ECHO,
          CallOptions.DEFAULT.withDeadlineAfter(3, TimeUnit.SECONDS)), new byte[100]);
      call.addListener(() -> {
        openCallStarts.remove(id);
        try {
          call.get();
        } catch (Exception e) {
          String description = String.valueOf(Status.fromThrowable(e).getDescription());
          if (!victimAddress[0].isEmpty() && description.contains(victimAddress[0])) {
            lastFailureNamingVictim.accumulateAndGet(start, Math::max);
          }
        }
      }, Runnable::run);
    }, 0, 5, TimeUnit.MILLISECONDS);
    long[] out = new long[trials];
    long[] last = new long[trials];
    for (int trial = 0; trial < trials; trial++) {
      Backend victim = new Backend(Set.of(SERVICE));
      TestGateways.route(gateway, Map.of(SERVICE, List.of(a.endpoint(), b.endpoint(), victim.endpoint())));
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> victim.calls.get() >= 50);
      victimAddress[0] = victim.endpoint().address();
      lastFailureNamingVictim.set(0);
      long t0 = System.nanoTime();
      if (hang) {
        victim.hung.set(true);
      } else {
        victim.server.shutdownNow();
      }
      await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
          .until(() -> !routable(gateway, victim.endpoint()));
      long leftAt = System.nanoTime();
      out[trial] = leftAt - t0;
      // Every call started before it left has ended (at the latest by its 3 s deadline).
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
          .until(() -> openCallStarts.values().stream().noneMatch(start -> start <= leftAt));
      long lastRouted = hang ? victim.lastArrival.get() : lastFailureNamingVictim.get();
      last[trial] = lastRouted == 0 ? 0 : Math.max(0, lastRouted - t0);
      victim.server.shutdownNow();
      TestGateways.route(gateway, Map.of(SERVICE, List.of(a.endpoint(), b.endpoint())));
    }
    load.shutdownNow();
    channel.shutdownNow();
    a.server.shutdownNow();
    b.server.shutdownNow();
    System.out.printf("%s: out of rotation after  median %d ms, worst %d ms (%s)%n", hang ? "hang" : "kill",
        median(out), worst(out), millis(out));
    System.out.printf("%s: last call routed to it median %d ms, worst %d ms (%s)%n", hang ? "hang" : "kill",
        median(last), worst(last), millis(last));
  }

  private static boolean routable(Gateway gateway, Endpoint endpoint) {
    for (EndpointStatus status : gateway.health().statuses()) {
      if (status.endpoint().equals(endpoint) && status.service().equals(SERVICE)) {
        return status.routable();
      }
    }
    return false;
  }

  /** {@code backends} × {@code services} probed pairs at the default interval: the gateway's CPU and heap. */
  private static void probingCost(Gateway gateway, int backends, int services) throws Exception {
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < services; i++) {
      names.add("bench" + i + ".Service");
    }
    List<Backend> all = new ArrayList<>();
    for (int i = 0; i < backends; i++) {
      all.add(new Backend(names));
    }
    long heapBefore = usedHeapAfterGc();
    Set<Endpoint> endpoints = new LinkedHashSet<>();
    all.forEach(backend -> endpoints.add(backend.endpoint()));
    names.forEach(name -> gateway.endpoints().sink("bench").update(name, endpoints));
    // Five rounds of probes (10 s at the default 2 s interval): every pair probed, sessions open,
    // the probing code compiled.
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
        .until(() -> all.stream().allMatch(backend -> backend.calls.get() >= 5L * services));
    long heapAfter = usedHeapAfterGc();
    long checksBefore = all.stream().mapToLong(backend -> backend.calls.get()).sum();
    long cpuBefore = gatewayCpuNanos();
    long start = System.nanoTime();
    // Fifteen more rounds (30 s at the default interval) are the measured window.
    long measuredChecks = 15L * backends * services;
    await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(100))
        .until(() -> all.stream().mapToLong(backend -> backend.calls.get()).sum() - checksBefore >= measuredChecks);
    long elapsed = System.nanoTime() - start;
    long cpu = gatewayCpuNanos() - cpuBefore;
    long checks = all.stream().mapToLong(backend -> backend.calls.get()).sum() - checksBefore;
    long unroutable = gateway.health().statuses().stream().filter(s -> !s.routable()).count();
    System.out.printf("probing %d pairs (%d backends x %d services): %.0f checks/s, gateway threads' CPU %.1f%% of"
            + " one core, heap retained +%d MiB, %d endpoints out of rotation%n", backends * services, backends,
        services, checks * 1e9 / elapsed, cpu * 100.0 / elapsed, (heapAfter - heapBefore) >> 20, unroutable);
    all.forEach(backend -> backend.server.shutdownNow());
  }

  /** CPU time of the gateway's own threads (Jetty's "opizontas" pool, timers, probes, plugin threads). */
  private static long gatewayCpuNanos() {
    var threads = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("opizontas")) {
        total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      }
    }
    return total;
  }

  private static long usedHeapAfterGc() {
    // System.gc() returns after the collection (HotSpot's default, no ExplicitGCInvokesConcurrent).
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    Runtime runtime = Runtime.getRuntime();
    return runtime.totalMemory() - runtime.freeMemory();
  }

  private static long median(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2] / 1_000_000;
  }

  private static long worst(long[] nanos) {
    return Arrays.stream(nanos).max().orElse(0) / 1_000_000;
  }

  private static String millis(long[] nanos) {
    return Arrays.toString(Arrays.stream(nanos).map(n -> n / 1_000_000).toArray());
  }
}

package io.opizontas.gateway.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.config.ConfigException;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.plugin.fixtures.BrokenStrategy;
import io.opizontas.gateway.plugin.fixtures.FirstEndpointStrategy;
import io.opizontas.gateway.plugin.fixtures.PickLedger;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.TestGateways;
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
 * Balancing strategies chosen per service in [balancing], through a real gateway and three real
 * grpc-java backends: the built-in round-robin with no plugin, a third-party strategy from a plugin
 * jar for one pattern, and a strategy that fails, which fails its calls only.
 */
class BalancingThroughGatewayTest {

  private static final List<String> SERVICES = List.of("plain.Bytes", "pinned.Bytes", "broken.Bytes", "foreign.Bytes");

  @TempDir Path dir;

  private final List<GrpcBackend> backends = new ArrayList<>();
  /** Calls per backend index and service. */
  private final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
  private Gateway gateway;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    PickLedger.reset();
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    PluginJar.id("test-balancers").extension(FirstEndpointStrategy.class).extension(BrokenStrategy.class).writeTo(plugins);
    for (int i = 0; i < 3; i++) {
      int index = i;
      backends.add(GrpcBackend.start(builder -> SERVICES.forEach(service -> builder.addService(counting(index, service))), null));
    }
    Path toml = dir.resolve("gateway.toml");
    Files.writeString(toml, """
        [plugins]
        directory = "%s"

        [[balancing.services]]
        pattern = "pinned.*"
        strategy = "first"

        [[balancing.services]]
        pattern = "broken.Bytes"
        strategy = "broken"

        [[balancing.services]]
        pattern = "foreign.Bytes"
        strategy = "broken"
        mode = "foreign"
        """.formatted(plugins));
    GatewayConfig read = GatewayConfigReader.read(toml);
    GatewayConfig local = TestGateways.config();
    GatewayConfig config = local.withPlugins(read.plugins()).withBalancing(read.balancing());
    gateway = Gateway.start(config);
    List<Endpoint> endpoints = backends.stream().map(GrpcBackend::endpoint).toList();
    SERVICES.forEach(service -> TestGateways.route(gateway, Map.of(service, endpoints)));
    channel = TestGateways.channel(gateway);
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
    for (GrpcBackend backend : backends) {
      backend.close();
    }
  }

  @Test
  void eachServiceIsBalancedByItsOwnStrategy() {
    for (int i = 0; i < 30; i++) {
      call("plain.Bytes");
      call("pinned.Bytes");
    }

    // No balancers plugin installed: the built-in round-robin, exactly in turn.
    assertThat(servedBy("plain.Bytes")).containsExactly(10, 10, 10);
    // The test jar's strategy: every call to one backend.
    assertThat(servedBy("pinned.Bytes")).containsExactlyInAnyOrder(30, 0, 0);
    assertThat(PickLedger.picks()).isEqualTo(30);
    await().atMost(Duration.ofSeconds(5)).until(() -> PickLedger.ends() == 30);
    assertThat(PickLedger.ends(GrpcStatusCode.OK)).isEqualTo(30);
  }

  @Test
  void aBalancerThatThrowsOrPicksAStrangerFailsItsCallsOnlyWithUnavailable() {
    for (String service : List.of("broken.Bytes", "foreign.Bytes")) {
      StatusRuntimeException failed = catchThrowableOfType(StatusRuntimeException.class, () -> call(service));
      assertThat(failed.getStatus().getCode()).as(service).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(failed.getStatus().getDescription()).as(service).contains("balancer of " + service);
    }
    assertThat(servedBy("broken.Bytes")).containsExactly(0, 0, 0);
    call("plain.Bytes");
  }

  @Test
  void anUnknownStrategyIsRefusedWithItsFileLineAndKey() throws Exception {
    Path toml = dir.resolve("unknown.toml");
    Files.writeString(toml, """
        [plugins]
        directory = "%s"

        [balancing]
        default = "fastest"
        """.formatted(dir.resolve("plugins")));
    GatewayConfig config = GatewayConfigReader.read(toml);

    ConfigException refused = catchThrowableOfType(ConfigException.class, () -> Gateway.start(config).close());

    assertThat(refused.getMessage()).startsWith(toml + ":5: balancing.default: no installed plugin contributes the balancing strategy ")
        .contains("'fastest'");
  }

  private void call(String service) {
    ClientCalls.blockingUnaryCall(channel, echo(service), CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
        new byte[] {1});
  }

  private List<Integer> servedBy(String service) {
    List<Integer> counts = new ArrayList<>();
    for (int i = 0; i < backends.size(); i++) {
      AtomicInteger count = served.get(i + "/" + service);
      counts.add(count == null ? 0 : count.get());
    }
    return counts;
  }

  private ServerServiceDefinition counting(int backend, String service) {
    return ServerServiceDefinition.builder(service)
        .addMethod(echo(service), ServerCalls.asyncUnaryCall((request, response) -> {
          served.computeIfAbsent(backend + "/" + service, k -> new AtomicInteger()).incrementAndGet();
          response.onNext(request);
          response.onCompleted();
        }))
        .build();
  }

  private static MethodDescriptor<byte[], byte[]> echo(String service) {
    return ByteService.ECHO.toBuilder().setFullMethodName(MethodDescriptor.generateFullMethodName(service, "Echo")).build();
  }
}

package io.opizontas.gateway.plugins.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.CallOptions;
import io.grpc.stub.ClientCalls;
import io.opizontas.gateway.testing.ByteService;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opizontas.gateway.client.GatewayRegistration;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.config.PluginsConfig;
import io.opizontas.gateway.config.RegistrationConfig;
import io.opizontas.gateway.config.ServerConfig;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.registry.v1.RegisterRequest;
import io.opizontas.registry.v1.RegisterResponse;
import io.opizontas.registry.v1.RegistryGrpc;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through two real gateways (the plugin jar loaded by PF4J) sharing a three-server
 * ZooKeeper ensemble: a grpc-java backend registers through one and is called through the other,
 * and its lease belongs to the ensemble, not to the gateway that accepted it.
 */
class ZooKeeperGatewayIT {

  /** Any backend service: the gateway serves grpc.health.v1.Health itself, so it cannot be routed. */
  private static final String SERVICE = ByteService.SERVICE;
  /** Short, so that a lease kept alive over several TTLs proves the keep-alives work. */
  private static final Duration TTL = Duration.ofSeconds(2);

  @TempDir Path plugins;
  private TestingCluster zookeeper;
  private Server backend;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    Path jar = Path.of(System.getProperty("plugin.jar"));
    Files.copy(jar, plugins.resolve(jar.getFileName()));
    zookeeper = new TestingCluster(3);
    zookeeper.start();
    backend = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new ByteService().definition()).build().start();
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    backend.shutdownNow();
    zookeeper.close();
  }

  private Gateway gateway() throws Exception {
    ServerConfig d = ServerConfig.defaults();
    RegistrationConfig registration = RegistrationCredentials.config();
    GatewayConfig config =
        GatewayConfig.embedded()
            .withServer(new ServerConfig(new InetSocketAddress("127.0.0.1", 0), Duration.ofSeconds(1),
                d.maxConcurrentStreams(), d.sessionWindow(), d.streamWindow(), d.idleTimeout(), d.maxHeaderListSize()))
            .withPlugins(new PluginsConfig(plugins))
            .withRegistries(List.of(new PluginSection("zookeeper",
                Map.of("connect", zookeeper.getConnectString(), "base_path", "/services", "session_timeout", "4s"),
                "ZooKeeperGatewayIT")))
            .withRegistration(new RegistrationConfig(true, "zookeeper", TTL, registration.tokens()));
    Gateway gateway = Gateway.start(config);
    closing.add(gateway);
    return gateway;
  }

  private ManagedChannel channel(Gateway gateway) {
    ManagedChannel channel =
        ManagedChannelBuilder.forAddress("127.0.0.1", gateway.address().getPort()).usePlaintext().build();
    closing.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return channel;
  }

  private static String target(Gateway gateway) {
    return "127.0.0.1:" + gateway.address().getPort();
  }

  private static boolean serves(ManagedChannel channel) {
    try {
      return ClientCalls.blockingUnaryCall(channel, ByteService.ECHO,
          CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), new byte[] {7}).length == 1;
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  private GatewayRegistration registerBackend(Gateway... gateways) {
    GatewayRegistration.Builder builder = GatewayRegistration.builder()
        .token(RegistrationCredentials.TOKEN)
        .service(SERVICE)
        .address("127.0.0.1", backend.getPort());
    for (Gateway gateway : gateways) {
      builder.gateway(target(gateway));
    }
    GatewayRegistration registration = builder.start();
    closing.add(registration);
    return registration;
  }

  @Test
  void aRegistrationThroughAIsRoutableThroughBWithinOneSecond() throws Exception {
    Gateway a = gateway();
    Gateway b = gateway();
    ManagedChannel viaB = channel(b);
    long registered = System.nanoTime();
    RegisterResponse lease = RegistryGrpc.newBlockingStub(channel(a))
        .withInterceptors(RegistrationCredentials.bearer())
        .register(RegisterRequest.newBuilder().addServices(SERVICE)
            .setEndpoint(io.opizontas.registry.v1.Endpoint.newBuilder().setHost("127.0.0.1").setPort(backend.getPort()))
            .build());
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).until(() -> serves(viaB));
    assertThat(Duration.ofNanos(System.nanoTime() - registered)).isLessThan(Duration.ofSeconds(1));
    assertThat(lease.getLeaseId()).isNotEmpty();
  }

  @Test
  void whenGatewayADiesTheInstanceStaysRoutableThroughBAndKeepsItsLeaseThroughB() throws Exception {
    Gateway a = gateway();
    Gateway b = gateway();
    GatewayRegistration registration = registerBackend(a, b); // talks to A first
    String lease = registration.leaseId();
    ManagedChannel viaB = channel(b);
    await().atMost(Duration.ofSeconds(5)).until(() -> serves(viaB));

    a.close();
    // Over three TTLs after A is gone, the instance never drops out of B, under the same lease.
    long until = System.nanoTime() + TTL.multipliedBy(3).toNanos();
    await().pollInterval(Duration.ofMillis(200)).atMost(TTL.multipliedBy(5)).until(() -> {
      assertThat(serves(viaB)).isTrue();
      return System.nanoTime() > until;
    });
    assertThat(registration.leaseId()).isEqualTo(lease);

    registration.close(); // deregisters through B
    await().atMost(Duration.ofSeconds(5)).until(() -> !serves(viaB));
  }

  @Test
  void aLeaseAcceptedByADeadGatewayStillEndsByItsTtl() throws Exception {
    Gateway a = gateway();
    Gateway b = gateway();
    io.opizontas.gateway.api.Endpoint silent = io.opizontas.gateway.api.Endpoint.of("10.0.0.99", 1);
    // Before the call: the lease's TTL runs from when A accepts it, which B learns of later.
    long registered = System.nanoTime();
    RegistryGrpc.newBlockingStub(channel(a)).withInterceptors(RegistrationCredentials.bearer())
        .register(RegisterRequest.newBuilder().addServices("svc.Silent")
            .setEndpoint(io.opizontas.registry.v1.Endpoint.newBuilder().setHost(silent.host()).setPort(silent.port()))
            .build());
    await().atMost(Duration.ofSeconds(1)).until(() -> routed(b, "svc.Silent"));

    a.close(); // whichever gateway was expiring leases, B is now
    await().atMost(TTL.multipliedBy(4)).until(() -> !routed(b, "svc.Silent"));
    assertThat(Duration.ofNanos(System.nanoTime() - registered)).isGreaterThanOrEqualTo(TTL);
  }

  private static boolean routed(Gateway gateway, String service) {
    var endpoints = gateway.endpoints().lookup(service);
    return endpoints != null && !endpoints.isEmpty();
  }

  @Test
  void stoppingOneZooKeeperServerOfThreeChangesNothing() throws Exception {
    Gateway a = gateway();
    Gateway b = gateway();
    GatewayRegistration registration = registerBackend(a, b);
    String lease = registration.leaseId();
    ManagedChannel viaA = channel(a);
    ManagedChannel viaB = channel(b);
    await().atMost(Duration.ofSeconds(5)).until(() -> serves(viaA) && serves(viaB));

    InstanceSpec stopped = zookeeper.getInstances().iterator().next();
    assertThat(zookeeper.killServer(stopped)).isTrue();
    long until = System.nanoTime() + TTL.multipliedBy(3).toNanos();
    await().pollInterval(Duration.ofMillis(200)).atMost(TTL.multipliedBy(5)).until(() -> {
      assertThat(serves(viaA)).isTrue();
      assertThat(serves(viaB)).isTrue();
      return System.nanoTime() > until;
    });
    assertThat(registration.leaseId()).isEqualTo(lease);
  }

  @Test
  void aRegistryEntryNamingTheRegistrationServiceNeverReceivesRegistrationCalls() throws Exception {
    AtomicInteger hijacked = new AtomicInteger();
    Server impostor = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new RegistryGrpc.RegistryImplBase() {
          @Override
          public void register(RegisterRequest request, StreamObserver<RegisterResponse> response) {
            hijacked.incrementAndGet();
            response.onNext(RegisterResponse.newBuilder().setLeaseId("stolen").build());
            response.onCompleted();
          }
        })
        .build().start();
    closing.add(impostor::shutdownNow);
    try (CuratorFramework other = CuratorFrameworkFactory.newClient(zookeeper.getConnectString(), new RetryOneTime(100))) {
      other.start();
      ServiceDiscovery<Void> discovery = ServiceDiscoveryBuilder.builder(Void.class).client(other).basePath("/services").build();
      discovery.start();
      discovery.registerService(ServiceInstance.<Void>builder()
          .name(RegistryGrpc.SERVICE_NAME).address("127.0.0.1").port(impostor.getPort()).build());
      Gateway a = gateway();
      RegistryGrpc.RegistryBlockingStub stub = RegistryGrpc.newBlockingStub(channel(a)).withInterceptors(RegistrationCredentials.bearer());
      for (int i = 0; i < 20; i++) {
        RegisterResponse answer = stub.register(RegisterRequest.newBuilder().addServices(SERVICE)
            .setEndpoint(io.opizontas.registry.v1.Endpoint.newBuilder().setHost("127.0.0.1").setPort(backend.getPort()))
            .build());
        assertThat(answer.getLeaseId()).isNotEqualTo("stolen");
      }
      assertThat(hijacked).hasValue(0);
      discovery.close();
    }
  }

  @Test
  void aServiceRegisteredWithCuratorServiceDiscoveryIsRoutedTo() throws Exception {
    Gateway b = gateway();
    try (CuratorFramework legacy = CuratorFrameworkFactory.newClient(zookeeper.getConnectString(), new RetryOneTime(100))) {
      legacy.start();
      ServiceDiscovery<Void> discovery = ServiceDiscoveryBuilder.builder(Void.class).client(legacy).basePath("/services").build();
      discovery.start();
      discovery.registerService(ServiceInstance.<Void>builder().name(SERVICE).address("127.0.0.1").port(backend.getPort()).build());
      ManagedChannel viaB = channel(b);
      await().atMost(Duration.ofSeconds(10)).until(() -> serves(viaB));
      discovery.close();
    }
  }
}

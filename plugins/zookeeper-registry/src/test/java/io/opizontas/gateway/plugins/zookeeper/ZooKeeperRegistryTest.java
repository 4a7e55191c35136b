package io.opizontas.gateway.plugins.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;


import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.PluginConfigException;
import io.opizontas.gateway.api.RegistryLease;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.api.testing.RecordingEndpointSink;
import io.opizontas.gateway.api.testing.TestPluginContext;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.discovery.ServiceEndpoints;
import io.opizontas.gateway.registration.RegistrationServer;
import io.opizontas.registry.v1.DeregisterRequest;
import io.opizontas.registry.v1.RegisterRequest;
import io.opizontas.registry.v1.RegisterResponse;
import io.opizontas.registry.v1.RegistryGrpc;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ZooKeeper registry against a real in-process ZooKeeper: two "gateways" (each a backend
 * reporting into its own routing table) share one ensemble.
 */
class ZooKeeperRegistryTest {

  private static final String BASE = "/services";
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(4);

  private TestingServer zookeeper;
  private final List<AutoCloseable> closing = new ArrayList<>();

  /** One gateway's view: its backend and its routing table. */
  private record Gateway(ZooKeeperRegistry registry, EndpointTable table) {}

  @BeforeEach
  void startZooKeeper() throws Exception {
    zookeeper = new TestingServer(true);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    zookeeper.close();
  }

  private Gateway gateway() throws Exception {
    EndpointTable table = new EndpointTable();
    ZooKeeperRegistry registry = new ZooKeeperRegistry();
    TestPluginContext context = new TestPluginContext("zookeeper");
    closing.add(context);
    registry.start(
        new TablePluginConfig(
            "zookeeper",
            Map.of(
                "connect", zookeeper.getConnectString(),
                "base_path", BASE,
                "session_timeout", SESSION_TIMEOUT.toMillis() + "ms")),
        context,
        table.sink("zookeeper#0"));
    closing.add(registry::close);
    return new Gateway(registry, table);
  }

  private static List<Endpoint> endpoints(Gateway gateway, String service) {
    ServiceEndpoints found = gateway.table().lookup(service);
    return found == null ? List.of() : found.asList();
  }

  @Test
  void aRegistrationThroughGatewayAIsRoutedByGatewayB() throws Exception {
    Gateway a = gateway();
    Gateway b = gateway();
    RegistrationServer api =
        new RegistrationServer(RegistrationCredentials.config(), a.registry(), a.table(), List.of());
    Endpoint apiAddress = api.start();
    closing.add(api);
    ManagedChannel channel =
        ManagedChannelBuilder.forAddress(apiAddress.host(), apiAddress.port()).usePlaintext().build();
    closing.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    RegistryGrpc.RegistryBlockingStub stub =
        RegistryGrpc.newBlockingStub(channel).withInterceptors(RegistrationCredentials.bearer());

    RegisterResponse lease =
        stub.register(
            RegisterRequest.newBuilder()
                .addServices("helloworld.Greeter")
                .setEndpoint(
                    io.opizontas.registry.v1.Endpoint.newBuilder()
                        .setHost("10.0.0.7")
                        .setPort(50052)
                        .setWeight(2)
                        .setZone("z1")
                        .putMetadata("version", "3"))
                .build());

    Endpoint expected = new Endpoint("10.0.0.7", 50052, 2, "z1", Map.of("version", "3"));
    await().atMost(Duration.ofSeconds(5)).until(() -> endpoints(b, "helloworld.Greeter").equals(List.of(expected)));
    assertThat(endpoints(a, "helloworld.Greeter")).containsExactly(expected);

    stub.deregister(DeregisterRequest.newBuilder().setLeaseId(lease.getLeaseId()).build());
    await().atMost(Duration.ofSeconds(5)).until(() -> endpoints(b, "helloworld.Greeter").isEmpty());
  }

  @Test
  void aLeaseOutlivesTheSessionAndTheGatewayThatAcceptedItAndAnyGatewayRenewsIt() throws Exception {
    Gateway a = gateway();
    Gateway b = gateway();
    Endpoint instance = Endpoint.of("10.0.0.8", 50052);
    RegistryLease lease = a.registry().register(Set.of("post.PostService"), instance, Duration.ofSeconds(60));
    await().atMost(Duration.ofSeconds(5)).until(() -> endpoints(b, "post.PostService").equals(List.of(instance)));
    assertThat(b.registry().services(lease.id())).contains(Set.of("post.PostService"));

    a.registry().curator().getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
    a.registry().close();

    assertThat(b.registry().keepAlive(lease.id())).contains(Duration.ofSeconds(60));
    assertThat(endpoints(b, "post.PostService")).containsExactly(instance);
    // Registering the same instance again through B renews the same lease.
    assertThat(b.registry().register(Set.of("post.PostService"), instance, Duration.ofSeconds(60)).id())
        .isEqualTo(lease.id());
    assertThat(b.registry().deregister(lease.id())).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> endpoints(b, "post.PostService").isEmpty());
    assertThat(b.registry().keepAlive(lease.id())).isEmpty();
  }

  @Test
  void oneGatewayAtATimeExpiresLeasesAndAnotherTakesOverWhenItStops() throws Exception {
    Gateway a = gateway();
    Gateway b = gateway();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.registry().expiresLeases() ^ b.registry().expiresLeases());
    Gateway expiring = a.registry().expiresLeases() ? a : b;
    Gateway other = expiring == a ? b : a;

    expiring.registry().close();
    await().atMost(Duration.ofSeconds(5)).until(() -> other.registry().expiresLeases());
  }

  @Test
  void aLapsedLeaseLeavesEveryGateway() throws Exception {
    Gateway a = gateway();
    Gateway b = gateway();
    RegistryLease lease = a.registry().register(Set.of("svc.A"), Endpoint.of("10.0.0.9", 1), Duration.ofMillis(700));
    await().atMost(Duration.ofSeconds(5)).until(() -> endpoints(b, "svc.A").size() == 1);
    await().atMost(Duration.ofSeconds(5)).until(() -> endpoints(b, "svc.A").isEmpty());
    assertThat(endpoints(a, "svc.A")).isEmpty();
    assertThat(a.registry().keepAlive(lease.id())).isEmpty();
  }

  @Test
  void reRegisteringIsIdempotentAcrossTheEnsemble() throws Exception {
    Gateway a = gateway();
    Gateway b = gateway();
    RegistryLease first = a.registry().register(Set.of("svc.A"), Endpoint.of("10.0.0.9", 1), Duration.ofSeconds(60));
    Endpoint updated = new Endpoint("10.0.0.9", 1, 4, "z", Map.of());
    RegistryLease again = a.registry().register(Set.of("svc.A"), updated, Duration.ofSeconds(60));
    assertThat(again.id()).isEqualTo(first.id());
    await().atMost(Duration.ofSeconds(5)).until(() -> endpoints(b, "svc.A").equals(List.of(updated)));
  }

  /** The payload class of an existing service: unknown to the gateway, which must not mind. */
  public static final class InstanceDetails {
    public String description = "legacy service";
  }

  @Test
  void servicesRegisteredWithCuratorServiceDiscoveryAreFound() throws Exception {
    Gateway b = gateway();
    try (CuratorFramework legacy =
        CuratorFrameworkFactory.newClient(zookeeper.getConnectString(), new RetryOneTime(100))) {
      legacy.start();
      ServiceDiscovery<InstanceDetails> discovery =
          ServiceDiscoveryBuilder.builder(InstanceDetails.class).client(legacy).basePath(BASE).build();
      discovery.start();
      ServiceInstance<InstanceDetails> instance =
          ServiceInstance.<InstanceDetails>builder()
              .name("legacy.Inventory")
              .address("10.0.0.10")
              .port(50060)
              .payload(new InstanceDetails())
              .build();
      ServiceInstance<InstanceDetails> tlsOnly =
          ServiceInstance.<InstanceDetails>builder()
              .name("legacy.Inventory")
              .address("10.0.0.11")
              .sslPort(50443)
              .build();
      discovery.registerService(instance);
      discovery.registerService(tlsOnly);

      await().atMost(Duration.ofSeconds(5))
          .until(() -> endpoints(b, "legacy.Inventory").equals(List.of(Endpoint.of("10.0.0.10", 50060))));

      discovery.unregisterService(instance);
      await().atMost(Duration.ofSeconds(5)).until(() -> endpoints(b, "legacy.Inventory").isEmpty());
      discovery.close();
    }
  }

  @Test
  void registrationsThroughTheGatewayAreVisibleToCuratorServiceDiscovery() throws Exception {
    Gateway a = gateway();
    a.registry().register(
        Set.of("post.PostService"), new Endpoint("10.0.0.12", 7000, 3, "z2", Map.of("k", "v")), Duration.ofSeconds(60));
    try (CuratorFramework other =
        CuratorFrameworkFactory.newClient(zookeeper.getConnectString(), new RetryOneTime(100))) {
      other.start();
      @SuppressWarnings("rawtypes")
      ServiceDiscovery<Map> discovery =
          ServiceDiscoveryBuilder.builder(Map.class).client(other).basePath(BASE).build();
      discovery.start();
      @SuppressWarnings("rawtypes")
      Collection<ServiceInstance<Map>> found = discovery.queryForInstances("post.PostService");
      assertThat(found).hasSize(1);
      ServiceInstance<?> instance = found.iterator().next();
      assertThat(instance.getAddress()).isEqualTo("10.0.0.12");
      assertThat(instance.getPort()).isEqualTo(7000);
      assertThat(((Map<?, ?>) instance.getPayload()).get("zone")).isEqualTo("z2");
      discovery.close();
    }
  }

  @Test
  void nodesThatAreNotInstancesAreIgnored() throws Exception {
    Gateway b = gateway();
    try (CuratorFramework other =
        CuratorFrameworkFactory.newClient(zookeeper.getConnectString(), new RetryOneTime(100))) {
      other.start();
      other.create().creatingParentsIfNeeded().forPath(BASE + "/svc.A/garbage", "not json".getBytes());
      other.create().creatingParentsIfNeeded().forPath(BASE + "/svc.A/empty-host", "{\"address\":\"\",\"port\":1}".getBytes());
      Endpoint ok = Endpoint.of("10.0.0.13", 1);
      Gateway a = gateway();
      a.registry().register(Set.of("svc.A"), ok, Duration.ofSeconds(60));
      await().atMost(Duration.ofSeconds(5)).until(() -> endpoints(b, "svc.A").equals(List.of(ok)));
    }
  }

  @Test
  void startFailsClearlyWithoutAReachableEnsembleOrAConnectString() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    ZooKeeperRegistry registry = new ZooKeeperRegistry();
    try (TestPluginContext context = new TestPluginContext("zookeeper")) {
      assertThatThrownBy(
              () ->
                  registry.start(
                      new TablePluginConfig(
                          "zookeeper",
                          Map.of("connect", "127.0.0.1:" + closedPort, "connection_timeout", "1s")),
                      context,
                      new RecordingEndpointSink()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("127.0.0.1:" + closedPort);
      assertThatThrownBy(
              () -> new ZooKeeperRegistry().start(new TablePluginConfig("zookeeper", Map.of()), context, new RecordingEndpointSink()))
          .isInstanceOf(PluginConfigException.class)
          .hasMessageContaining("connect");
      assertThatThrownBy(
              () -> new ZooKeeperRegistry().start(
                  new TablePluginConfig("zookeeper", Map.of("connect", "x:1", "base_path", "no-slash")),
                  context, new RecordingEndpointSink()))
          .isInstanceOf(PluginConfigException.class)
          .hasMessageContaining("base_path");
    }
  }
}

package io.opizontas.gateway.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;


import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.api.testing.TestPluginContext;
import io.opizontas.gateway.config.RegistrationConfig;
import io.opizontas.gateway.config.RegistrationToken;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.discovery.ServiceEndpoints;
import io.opizontas.gateway.plugins.memory.MemoryRegistry;
import io.opizontas.gateway.registration.RegistrationServer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client helper against the real registration API and the real memory registry. */
class GatewayRegistrationTest {

  private static final String TOKEN = "greeter-secret";
  private static final String GREETER = "helloworld.Greeter";
  private static final Endpoint INSTANCE = new Endpoint("10.0.0.7", 50052, 2, "eu-1", Map.of("v", "1"));

  private final EndpointTable table = new EndpointTable();
  private TestPluginContext context;
  private MemoryRegistry registry;
  private RegistrationServer server;
  private Endpoint api;

  @BeforeEach
  void start() throws Exception {
    startGateway(0);
  }

  /** A gateway's registration side: a fresh memory registry (no leases) behind the registration API. */
  private void startGateway(int port) throws Exception {
    context = new TestPluginContext("memory");
    registry = new MemoryRegistry();
    registry.start(new TablePluginConfig("memory", Map.of()), context, table.sink("memory#0"));
    String sha256 = HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(TOKEN.getBytes(StandardCharsets.UTF_8)));
    server = new RegistrationServer(
        new RegistrationConfig(true, "memory", Duration.ofSeconds(1), List.of(new RegistrationToken(sha256, List.of(GREETER)))),
        registry, table, List.of());
    api = server.start(port);
  }

  private void stopGateway() {
    server.close();
    registry.close();
    context.close();
  }

  @AfterEach
  void stop() {
    stopGateway();
  }

  private GatewayRegistration.Builder registration() {
    return GatewayRegistration.builder()
        .gateway(api.address())
        .token(TOKEN)
        .service(GREETER)
        .address(INSTANCE.host(), INSTANCE.port())
        .weight(2)
        .zone("eu-1")
        .metadata("v", "1");
  }

  private List<Endpoint> endpoints() {
    ServiceEndpoints found = table.lookup(GREETER);
    return found == null ? List.of() : found.asList();
  }

  @Test
  void registersKeepsTheLeaseAliveAndDeregistersOnClose() {
    GatewayRegistration registration = registration().start();
    assertThat(registration.leaseId()).isNotNull();
    assertThat(endpoints()).containsExactly(INSTANCE);

    // The TTL is 1 s: only keep-alives hold the endpoint for three times that.
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> endpoints().equals(List.of(INSTANCE)));

    registration.close();
    assertThat(endpoints()).isEmpty();
    assertThat(context.metrics().gauge("memory_registry_leases")).isZero();
  }

  @Test
  void registersAgainWhenTheGatewayForgetsTheLease() {
    try (GatewayRegistration registration = registration().start()) {
      String first = registration.leaseId();
      registry.deregister(first); // as a lapse or a registry restart would
      assertThat(endpoints()).isEmpty();

      await().atMost(Duration.ofSeconds(5)).until(() -> endpoints().equals(List.of(INSTANCE)));
      await().atMost(Duration.ofSeconds(5)).until(() -> registration.leaseId() != null && !registration.leaseId().equals(first));
    }
  }

  @Test
  void registersAgainAfterTheGatewayRestarts() throws Exception {
    try (GatewayRegistration registration = registration().start()) {
      int port = api.port();
      stopGateway(); // the stream breaks, and the new gateway knows no lease
      assertThat(endpoints()).isEmpty();
      startGateway(port);

      await().atMost(Duration.ofSeconds(20)).until(() -> endpoints().equals(List.of(INSTANCE)));
    }
  }

  @Test
  void aRefusedFirstRegistrationFailsStart() {
    assertThatThrownBy(() -> registration().token("wrong").start())
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThatThrownBy(() -> registration().service("user.UserService").start())
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThat(endpoints()).isEmpty();
  }
}

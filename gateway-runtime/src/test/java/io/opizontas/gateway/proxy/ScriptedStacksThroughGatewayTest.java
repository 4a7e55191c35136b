package io.opizontas.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.GrpcGo;
import io.opizontas.gateway.testing.GrpcJs;
import io.opizontas.gateway.testing.ScriptedClient;
import io.opizontas.gateway.testing.TestGateways;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Clients of other gRPC stacks than grpc-java, each on its own language's HTTP/2 implementation
 * (grpc-js on Node's, grpc-go on Go's), through the gateway to a grpc-java backend: every call
 * kind, a deadline, and a cancellation, which must reach the backend as a reset.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(ScriptedStacksThroughGatewayTest.Stack.class)
class ScriptedStacksThroughGatewayTest {

  /** A client stack: whether it can run here, and how to start its script. */
  enum Stack {
    GRPC_JS(GrpcJs::assumeAvailable, GrpcJs::start),
    GRPC_GO(GrpcGo::assumeAvailable, GrpcGo::start);

    private final Runnable assumeAvailable;
    private final Starter starter;

    Stack(Runnable assumeAvailable, Starter starter) {
      this.assumeAvailable = assumeAvailable;
      this.starter = starter;
    }
  }

  /** Starts a stack's client script against the gateway's port with the given commands. */
  @FunctionalInterface
  interface Starter {
    ScriptedClient start(int port, String... commands) throws Exception;
  }

  @Parameter Stack stack;

  private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(60);

  private final ByteService service = new ByteService();
  private GrpcBackend backend;
  private Gateway gateway;

  @BeforeEach
  void start() throws Exception {
    stack.assumeAvailable.run();
    backend = GrpcBackend.of(service::definition);
    gateway = TestGateways.start(Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  private ScriptedClient run(String... commands) throws Exception {
    ScriptedClient client = stack.starter.start(gateway.address().getPort(), commands);
    assertThat(client.await(SCRIPT_TIMEOUT)).as(client::output).isZero();
    return client;
  }

  private void awaitNoOpenStreams() {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(gateway.openClientStreams()).as("client streams").isZero();
      assertThat(gateway.openBackendStreams()).as("backend streams").isZero();
    });
  }

  @Test
  void everyCallKindRoundTripsItsMessagesWhole() throws Exception {
    ScriptedClient client = run("load", "2", "load", "2");

    assertThat(client.output()).containsPattern("OK load 2 [1-9][0-9]* calls\\n.*OK load 2 [1-9][0-9]* calls");
    awaitNoOpenStreams();
  }

  @Test
  void aDeadlineEndsTheCallWithDeadlineExceeded() throws Exception {
    ScriptedClient client = run("deadline", "300");

    assertThat(client.output()).contains("OK deadline 300 DEADLINE_EXCEEDED");
    awaitNoOpenStreams();
  }

  @Test
  void aCancelledCallIsCancelledAtTheBackendToo() throws Exception {
    ScriptedClient client = run("cancel", "300");

    assertThat(client.output()).contains("OK cancel 300 CANCELLED");
    await().atMost(Duration.ofSeconds(10)).until(() -> service.cancellations.get() == 1);
    awaitNoOpenStreams();
  }
}

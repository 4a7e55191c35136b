package io.opizontas.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.okhttp.OkHttpChannelBuilder;
import io.grpc.testing.integration.AbstractInteropTest;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.TestGateways;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * grpc-java's official interop cases, run by grpc-java's own interop client code against its own
 * interop server, with the gateway in between; once per client HTTP/2 stack of grpc-java (Netty,
 * and OkHttp, the one Android apps use: their framing, flow control and reset handling are
 * separate implementations).
 *
 * <p>The compressed cases run without the {@code expect_compressed} probe: grpc-java's stand-alone
 * interop server (TestServiceImpl) does not implement the probe and fails it without a gateway too.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(InteropThroughGatewayTest.ClientStack.class)
class InteropThroughGatewayTest {

  /** The client's transport. */
  enum ClientStack {
    NETTY {
      @Override
      ManagedChannelBuilder<?> channelTo(int port) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext();
      }
    },
    OKHTTP {
      @Override
      ManagedChannelBuilder<?> channelTo(int port) {
        return OkHttpChannelBuilder.forAddress("127.0.0.1", port).usePlaintext();
      }
    };

    abstract ManagedChannelBuilder<?> channelTo(int port);
  }

  @Parameter ClientStack stack;

  private static GrpcBackend backend;
  private static Gateway gateway;
  private Client client;

  @BeforeAll
  static void startBackendAndGateway() throws Exception {
    backend = GrpcBackend.interop();
    gateway = TestGateways.start(Map.of("grpc.testing.TestService", List.of(backend.endpoint())));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    backend.close();
  }

  @BeforeEach
  void connect() {
    client = new Client();
    client.setUp();
  }

  @AfterEach
  void disconnectAndCheckNothingLeaks() {
    client.tearDown();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(gateway.openClientStreams()).as("client streams").isZero();
      assertThat(gateway.openBackendStreams()).as("backend streams").isZero();
    });
  }

  @Test
  void emptyUnary() throws Exception {
    client.emptyUnary();
  }

  @Test
  void largeUnary() throws Exception {
    client.largeUnary();
  }

  @Test
  void clientCompressedUnary() throws Exception {
    client.clientCompressedUnary(false);
  }

  @Test
  void serverCompressedUnary() throws Exception {
    client.serverCompressedUnary();
  }

  @Test
  void clientStreaming() throws Exception {
    client.clientStreaming();
  }

  @Test
  void clientCompressedStreaming() throws Exception {
    client.clientCompressedStreaming(false);
  }

  @Test
  void serverStreaming() throws Exception {
    client.serverStreaming();
  }

  @Test
  void serverCompressedStreaming() throws Exception {
    client.serverCompressedStreaming();
  }

  @Test
  void pingPong() throws Exception {
    client.pingPong();
  }

  @Test
  void emptyStream() throws Exception {
    client.emptyStream();
  }

  @Test
  void cancelAfterBegin() throws Exception {
    client.cancelAfterBegin();
  }

  @Test
  void cancelAfterFirstResponse() throws Exception {
    client.cancelAfterFirstResponse();
  }

  @Test
  void timeoutOnSleepingServer() throws Exception {
    client.timeoutOnSleepingServer();
  }

  @Test
  void customMetadata() throws Exception {
    client.customMetadata();
  }

  @Test
  void statusCodeAndMessage() throws Exception {
    client.statusCodeAndMessage();
  }

  @Test
  void specialStatusMessage() throws Exception {
    client.specialStatusMessage();
  }

  @Test
  void unimplementedMethod() {
    client.unimplementedMethod();
  }

  @Test
  void unimplementedService() {
    client.unimplementedService();
  }

  @Test
  void veryLargeRequest() throws Exception {
    client.veryLargeRequest();
  }

  @Test
  void veryLargeResponse() throws Exception {
    client.veryLargeResponse();
  }

  @Test
  void deadlineExceededServerStreaming() throws Exception {
    client.deadlineExceededServerStreaming();
  }

  @Test
  void fullDuplexCallShouldSucceed() throws Exception {
    client.fullDuplexCallShouldSucceed();
  }

  @Test
  void halfDuplexCallShouldSucceed() throws Exception {
    client.halfDuplexCallShouldSucceed();
  }

  @Test
  void serverStreamingShouldBeFlowControlled() throws Exception {
    client.serverStreamingShouldBeFlowControlled();
  }

  /** The interop client, pointed at the gateway like TestServiceClient points at a server. */
  private final class Client extends AbstractInteropTest {
    @Override
    protected ManagedChannelBuilder<?> createChannelBuilder() {
      return stack.channelTo(gateway.address().getPort()).maxInboundMessageSize(MAX_MESSAGE_SIZE);
    }

    @Override
    protected boolean metricsExpected() {
      return false;
    }
  }
}

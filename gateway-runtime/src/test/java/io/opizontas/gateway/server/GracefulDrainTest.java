package io.opizontas.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.okhttp.OkHttpChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.GrpcGo;
import io.opizontas.gateway.testing.GrpcJs;
import io.opizontas.gateway.testing.PythonGrpcio;
import io.opizontas.gateway.testing.RawH2Client;
import io.opizontas.gateway.testing.ScriptedClient;
import io.opizontas.gateway.testing.TestGateways;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Shutdown drains: new connections are refused at once, calls in flight finish, and the gateway
 * stops when the last one ends or at the drain timeout, whichever comes first.
 *
 * <p>Two things cut calls short before, and the first test that drained (a grpc-java chat that sent
 * a message right after GOAWAY) saw neither. Jetty's connector shortens every connection's idle
 * timeout to its "shutdown idle timeout" (1 s by default) when it shuts down, and an HTTP/2 session
 * that already sent GOAWAY resets its streams when that timer fires: any call whose client and
 * backend stay quiet for a second (a slow unary call, from grpc-java as from C-core) was cut with
 * RST_STREAM CANCEL. And the clients differ once their calls are done: C-core (python grpcio)
 * closes the connection after the gateway's final GOAWAY, grpc-java keeps it open for as long as
 * its channel lives, which would have held the drain to its timeout.
 */
class GracefulDrainTest {

  private static final Duration DRAIN = Duration.ofSeconds(10);

  private final ByteService service = new ByteService();
  private GrpcBackend backend;
  private Gateway gateway;
  private int gatewayPort;

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  private void startGateway(Duration drainTimeout) throws Exception {
    backend = GrpcBackend.of(service::definition);
    gateway = TestGateways.route(
        Gateway.start(TestGateways.config(drainTimeout, GatewayConfig.defaults().upstream())),
        Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
    gatewayPort = gateway.address().getPort();
  }

  /** The client frames C-core sends for a unary call, then silence: no PING, no GOAWAY of its own. */
  @Test
  void aClientSilentAfterGoawayGetsItsSlowCallAnswered() throws Exception {
    startGateway(DRAIN);
    try (RawH2Client client = new RawH2Client(gateway.address())) {
      CompletableFuture<RawH2Client.Response> call = CompletableFuture.supplyAsync(() -> slowRawCall(client,
          Duration.ofMillis(2500)));
      assertThat(service.slowArrived.tryAcquire(10, TimeUnit.SECONDS)).isTrue();

      long start = System.nanoTime();
      CompletableFuture<Void> closed = closeInBackground();
      awaitRefusesConnections();
      RawH2Client.Response response = call.get(15, TimeUnit.SECONDS);

      assertThat(response.resetCode()).as("RST_STREAM error code").isEqualTo(-1);
      assertThat(response.trailers().get("grpc-status")).isEqualTo("0");
      closed.get(5, TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("stopped when the call ended").isLessThan(DRAIN);
    }
  }

  @Test
  void grpcJavaSlowCallsAreAnsweredAndTheGatewayStopsWhenTheLastEnds() throws Exception {
    startGateway(DRAIN);
    slowCallsAreAnsweredAndTheGatewayStopsWhenTheLastEnds(TestGateways.channel(gateway));
  }

  /** OkHttp's HTTP/2 stack (grpc-java on Android) handles GOAWAY on its own code path. */
  @Test
  void okHttpSlowCallsAreAnsweredAndTheGatewayStopsWhenTheLastEnds() throws Exception {
    startGateway(DRAIN);
    slowCallsAreAnsweredAndTheGatewayStopsWhenTheLastEnds(
        OkHttpChannelBuilder.forAddress("127.0.0.1", gatewayPort).usePlaintext().build());
  }

  private void slowCallsAreAnsweredAndTheGatewayStopsWhenTheLastEnds(ManagedChannel channel) throws Exception {
    try {
      List<CompletableFuture<byte[]>> calls = List.of(Duration.ofMillis(1500), Duration.ofMillis(3000)).stream()
          .map(delay -> CompletableFuture.supplyAsync(() -> ClientCalls.blockingUnaryCall(channel, ByteService.SLOW,
              CallOptions.DEFAULT, ByteService.slowRequest(delay))))
          .toList();
      assertThat(service.slowArrived.tryAcquire(2, 10, TimeUnit.SECONDS)).isTrue();

      long start = System.nanoTime();
      CompletableFuture<Void> closed = closeInBackground();
      awaitRefusesConnections();

      assertThat(calls.get(0).get(15, TimeUnit.SECONDS)).isEqualTo(ByteService.slowRequest(Duration.ofMillis(1500)));
      assertThat(closed).isNotDone();
      assertThat(calls.get(1).get(15, TimeUnit.SECONDS)).isEqualTo(ByteService.slowRequest(Duration.ofMillis(3000)));
      closed.get(5, TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(DRAIN);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** The case users reported: python grpcio calls the backend takes seconds to answer. */
  @Test
  void pythonGrpcioSlowCallsAreAnsweredDuringTheDrain() throws Exception {
    PythonGrpcio.assumeAvailable();
    startGateway(DRAIN);
    slowScriptedCallsAreAnsweredDuringTheDrain(PythonGrpcio.start(gatewayPort, "slow", "1500", "slow", "3000"));
  }

  /** grpc-js on Node's HTTP/2: a third stack's handling of GOAWAY. */
  @Test
  void grpcJsSlowCallsAreAnsweredDuringTheDrain() throws Exception {
    GrpcJs.assumeAvailable();
    startGateway(DRAIN);
    slowScriptedCallsAreAnsweredDuringTheDrain(GrpcJs.start(gatewayPort, "slow", "1500", "slow", "3000"));
  }

  /** grpc-go on Go's HTTP/2: a fourth stack's handling of GOAWAY. */
  @Test
  void grpcGoSlowCallsAreAnsweredDuringTheDrain() throws Exception {
    GrpcGo.assumeAvailable();
    startGateway(DRAIN);
    slowScriptedCallsAreAnsweredDuringTheDrain(GrpcGo.start(gatewayPort, "slow", "1500", "slow", "3000"));
  }

  private void slowScriptedCallsAreAnsweredDuringTheDrain(ScriptedClient client) throws Exception {
    assertThat(service.slowArrived.tryAcquire(2, 30, TimeUnit.SECONDS)).as(client::output).isTrue();

    long start = System.nanoTime();
    CompletableFuture<Void> closed = closeInBackground();
    awaitRefusesConnections();

    assertThat(client.await(Duration.ofSeconds(30))).as(client::output).isZero();
    assertThat(client.output()).contains("OK slow 1500", "OK slow 3000");
    closed.get(5, TimeUnit.SECONDS);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(DRAIN);
  }

  @Test
  void theDrainTimeoutEndsCallsThatOutlastIt() throws Exception {
    startGateway(Duration.ofMillis(1500));
    try (RawH2Client client = new RawH2Client(gateway.address())) {
      CompletableFuture<RawH2Client.Response> call = CompletableFuture.supplyAsync(() -> slowRawCall(client,
          Duration.ofSeconds(8)));
      assertThat(service.slowArrived.tryAcquire(10, TimeUnit.SECONDS)).isTrue();

      long start = System.nanoTime();
      closeInBackground().get(6, TimeUnit.SECONDS);

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1400));
      // Cut at the timeout: the connection closes under the call, or Jetty resets the stream first
      // while it closes the session; either way the call does not complete.
      Throwable closed = catchThrowable(() -> call.get(5, TimeUnit.SECONDS));
      if (closed == null) {
        RawH2Client.Response cut = call.get();
        boolean reset = cut.resetCode() >= 0;
        String status = cut.trailers() == null ? null : cut.trailers().get("grpc-status");
        assertThat(reset || status != null && !"0".equals(status)).as("the call was cut, not completed: %s", cut).isTrue();
      } else {
        assertThat(closed).as("the connection was closed under the call").hasRootCauseInstanceOf(IOException.class);
      }
    }
  }

  private CompletableFuture<Void> closeInBackground() {
    Gateway closing = gateway;
    gateway = null;
    return CompletableFuture.runAsync(closing::close);
  }

  private void awaitRefusesConnections() {
    int port = gatewayPort;
    await().atMost(Duration.ofSeconds(5)).until(() -> {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        return false;
      } catch (IOException refused) {
        return true;
      }
    });
  }

  private static RawH2Client.Response slowRawCall(RawH2Client client, Duration delay) {
    HttpFields headers = HttpFields.build()
        .put(HttpHeader.CONTENT_TYPE, "application/grpc")
        .put(HttpHeader.TE, "trailers");
    byte[] message = ByteService.slowRequest(delay);
    byte[] frame = ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length).put(message).array();
    try {
      return client.exchange("POST", "/" + ByteService.SERVICE + "/Slow", headers, frame, Duration.ofSeconds(20));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

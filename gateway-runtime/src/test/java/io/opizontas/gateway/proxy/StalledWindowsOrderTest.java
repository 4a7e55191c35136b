package io.opizontas.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.ServerConfig;
import io.opizontas.gateway.config.UpstreamConfig;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.TestGateways;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Frames that one read produces leave the gateway in one write (io.WriteCombiningEndPoint). With
 * every window at the protocol's minimum on all three legs, streams and sessions stall and resume
 * all the time, and the flusher interleaves many streams' frames: every stream's messages must
 * still arrive whole and in order.
 */
class StalledWindowsOrderTest {

  private static final int WINDOW = 65_535;
  private static final int STREAMS = 32;
  private static final int MESSAGES = 60;
  private static final int[] SIZES = {7, 100, 1_500, 9_000, 33_000, 70_000};

  private GrpcBackend backend;
  private Gateway gateway;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
    backend.close();
  }

  @Test
  void everyStreamsMessagesArriveWholeAndInOrderWhileMinimalWindowsStallThem() throws Exception {
    backend = GrpcBackend.start(builder -> builder.addService(new ByteService().definition())
        .flowControlWindow(WINDOW), null);
    gateway = TestGateways.route(Gateway.start(minimalWindows()),
        Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.address().getPort())
        .usePlaintext()
        .flowControlWindow(WINDOW)
        .build();

    List<Exchange> exchanges = new ArrayList<>();
    for (int stream = 0; stream < STREAMS; stream++) {
      exchanges.add(new Exchange(stream));
    }
    exchanges.forEach(Exchange::send);

    for (Exchange exchange : exchanges) {
      List<byte[]> echoed = exchange.done.get(60, TimeUnit.SECONDS);
      assertThat(echoed).hasSize(MESSAGES);
      for (int i = 0; i < MESSAGES; i++) {
        assertThat(echoed.get(i)).as("stream %d message %d", exchange.stream, i)
            .isEqualTo(message(exchange.stream, i));
      }
    }
  }

  private static GatewayConfig minimalWindows() {
    GatewayConfig test = TestGateways.config();
    ServerConfig s = test.server();
    UpstreamConfig u = test.upstream();
    ServerConfig server = new ServerConfig(s.listen(), s.drainTimeout(), s.maxConcurrentStreams(), WINDOW, WINDOW,
        s.idleTimeout(), s.maxHeaderListSize());
    UpstreamConfig upstream = new UpstreamConfig(u.connectTimeout(), u.idleTimeout(), u.keepaliveInterval(),
        u.keepaliveTimeout(), WINDOW, WINDOW);
    return test.withServer(server).withUpstream(upstream);
  }

  /** Message {@code i} of {@code stream}: its size cycles through SIZES, its bytes name both. */
  private static byte[] message(int stream, int i) {
    byte[] bytes = new byte[SIZES[(stream + i) % SIZES.length]];
    for (int b = 0; b < bytes.length; b++) {
      bytes[b] = (byte) (stream * 31 + i * 7 + b);
    }
    if (bytes.length >= 8) {
      ByteBuffer.wrap(bytes).putInt(stream).putInt(i);
    }
    return bytes;
  }

  private final class Exchange implements StreamObserver<byte[]> {
    final int stream;
    final List<byte[]> echoed = new ArrayList<>();
    final CompletableFuture<List<byte[]>> done = new CompletableFuture<>();

    Exchange(int stream) {
      this.stream = stream;
    }

    void send() {
      StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(
          channel.newCall(ByteService.CHAT, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)), this);
      for (int i = 0; i < MESSAGES; i++) {
        requests.onNext(message(stream, i));
      }
      requests.onCompleted();
    }

    @Override
    public void onNext(byte[] value) {
      echoed.add(value);
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      done.complete(echoed);
    }
  }
}

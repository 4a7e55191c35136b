package io.opizontas.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.TestGateways;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Big messages, long streams and many calls, frame by frame through the gateway. */
class StreamingThroughGatewayTest {

  private static final int MIB = 1024 * 1024;

  private static GrpcBackend backend;
  private static Gateway gateway;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    ByteService service = new ByteService();
    backend = GrpcBackend.start(builder -> builder.addService(service.definition())
        .maxInboundMessageSize(128 * MIB), null);
    gateway = TestGateways.start(Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.address().getPort())
        .usePlaintext()
        .maxInboundMessageSize(128 * MIB)
        .build();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
    backend.close();
  }

  @Test
  void sixtyFourMebibyteMessageArrivesIntact() {
    byte[] request = new byte[64 * MIB];
    new Random(42).nextBytes(request);

    byte[] response = ClientCalls.blockingUnaryCall(channel, ByteService.ECHO,
        CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS), request);

    assertThat(response).isEqualTo(request);
  }

  @Test
  void bidiCallExchangesTenThousandMessagesInOrder() throws Exception {
    int count = 10_000;
    LinkedBlockingQueue<Object> received = new LinkedBlockingQueue<>();
    StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(
        channel.newCall(ByteService.CHAT, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)),
        new StreamObserver<>() {
          @Override
          public void onNext(byte[] value) {
            received.add(ByteBuffer.wrap(value).getInt());
          }

          @Override
          public void onError(Throwable t) {
            received.add(t);
          }

          @Override
          public void onCompleted() {
            received.add("completed");
          }
        });
    for (int i = 0; i < count; i++) {
      requests.onNext(ByteBuffer.allocate(64).putInt(i).array());
    }
    requests.onCompleted();

    for (int i = 0; i < count; i++) {
      assertThat(received.poll(30, TimeUnit.SECONDS)).isEqualTo(i);
    }
    assertThat(received.poll(30, TimeUnit.SECONDS)).isEqualTo("completed");
  }

  @Test
  void clientStreamingCountsEveryMessage() throws Exception {
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    StreamObserver<byte[]> requests = ClientCalls.asyncClientStreamingCall(
        channel.newCall(ByteService.COUNT, CallOptions.DEFAULT), observer(result));
    for (int i = 0; i < 1000; i++) {
      requests.onNext(new byte[1000 + i]);
    }
    requests.onCompleted();

    ByteBuffer counts = ByteBuffer.wrap(result.get(30, TimeUnit.SECONDS));
    assertThat(counts.getLong()).isEqualTo(1000);
    assertThat(counts.getLong()).isEqualTo(1000L * 1000 + 999L * 1000 / 2);
  }

  @Test
  void serverStreamingDeliversEveryMessage() {
    byte[] spec = ByteBuffer.allocate(8).putInt(5000).putInt(4096).array();
    Iterator<byte[]> responses = ClientCalls.blockingServerStreamingCall(channel, ByteService.PRODUCE,
        CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), spec);
    long messages = 0;
    long bytes = 0;
    while (responses.hasNext()) {
      bytes += responses.next().length;
      messages++;
    }
    assertThat(messages).isEqualTo(5000);
    assertThat(bytes).isEqualTo(5000L * 4096);
  }

  @Test
  void thousandConcurrentCallsAllSucceed() throws Exception {
    List<CompletableFuture<byte[]>> calls = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      CompletableFuture<byte[]> call = new CompletableFuture<>();
      ClientCalls.asyncUnaryCall(channel.newCall(ByteService.ECHO, CallOptions.DEFAULT),
          ByteBuffer.allocate(4).putInt(i).array(), observer(call));
      calls.add(call);
    }
    for (int i = 0; i < calls.size(); i++) {
      assertThat(ByteBuffer.wrap(calls.get(i).get(60, TimeUnit.SECONDS)).getInt()).isEqualTo(i);
    }
  }

  private static StreamObserver<byte[]> observer(CompletableFuture<byte[]> result) {
    return new StreamObserver<>() {
      @Override
      public void onNext(byte[] value) {
        result.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        result.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        result.complete(null);
      }
    };
  }
}

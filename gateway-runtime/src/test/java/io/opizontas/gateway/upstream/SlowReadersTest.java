package io.opizontas.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.opizontas.gateway.cli.RawBytes;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.UpstreamConfig;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.TestGateways;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that stop reading a server stream must not stall other clients' calls that share the
 * backend connection (issue 13, item 2).
 */
class SlowReadersTest {

  private static final int MIB = 1024 * 1024;
  private static final int STALLED = 16;
  private static final int MESSAGE = 64 * 1024;
  /** Each flood call sends at most this much: more than any window, less than a test's patience. */
  private static final long FLOOD_LIMIT = 32L * MIB;

  private static final MethodDescriptor<byte[], byte[]> FLOOD = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodType.SERVER_STREAMING)
      .setFullMethodName("test.Flood/Flood")
      .setRequestMarshaller(RawBytes.INSTANCE)
      .setResponseMarshaller(RawBytes.INSTANCE)
      .build();

  private final AtomicLong floodSent = new AtomicLong();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<ClientCall<byte[], byte[]>> stalled = new ArrayList<>();
  private GrpcBackend backend;
  private Gateway gateway;

  @AfterEach
  void stop() throws Exception {
    stalled.forEach(call -> call.cancel("test over", null));
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (gateway != null) {
      gateway.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  @Test
  void sixteenStalledReadersDoNotStallAnotherClientsCallsWithTheDefaultWindows() throws Exception {
    start(GatewayConfig.defaults().upstream());

    // What an 8 MiB connection window (the former default) allows: with such a window every further
    // response byte on the connection would wait for the stalled readers.
    assertUnaryCallsCompleteBesideStalledReaders(8L * MIB);
  }

  @Test
  void newCallsGoToAnotherSessionWhenStalledReadersHoldTheReceiveWindow() throws Exception {
    UpstreamConfig d = GatewayConfig.defaults().upstream();
    // Room for four stalled streams only: the sixteen hold every byte of this connection's window.
    start(new UpstreamConfig(d.connectTimeout(), d.idleTimeout(), d.keepaliveInterval(), d.keepaliveTimeout(),
        4 * MIB, MIB));

    assertUnaryCallsCompleteBesideStalledReaders(4L * MIB);
    assertThat(gateway.backendSessions()).isGreaterThanOrEqualTo(2);
  }

  private void start(UpstreamConfig upstream) throws Exception {
    ByteService bytes = new ByteService();
    backend = GrpcBackend.of(bytes::definition, this::flood);
    gateway = TestGateways.route(Gateway.start(TestGateways.config(Duration.ofSeconds(1), upstream)),
        Map.of(ByteService.SERVICE, List.of(backend.endpoint()), "test.Flood", List.of(backend.endpoint())));
  }

  /** {@code heldBytes}: flood bytes sent before the unary calls start, enough to fill a window. */
  private void assertUnaryCallsCompleteBesideStalledReaders(long heldBytes) {
    // One client that reads one message of each stream and then stops, with a small window so the
    // gateway soon holds a full stream window of each stream's response bytes.
    ManagedChannel slow = channel(NettyChannelBuilder.forAddress("127.0.0.1", gateway.address().getPort())
        .usePlaintext()
        .flowControlWindow(65535));
    AtomicInteger firstMessages = new AtomicInteger();
    for (int i = 0; i < STALLED; i++) {
      ClientCall<byte[], byte[]> call = slow.newCall(FLOOD, CallOptions.DEFAULT);
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onMessage(byte[] message) {
          firstMessages.incrementAndGet();
        }
      }, new Metadata());
      call.request(1);
      call.sendMessage(new byte[0]);
      call.halfClose();
      stalled.add(call);
    }
    // Not every stalled call needs its first message: without room on the connection, the later
    // ones wait behind the earlier ones, as the healthy client's calls would.
    await().atMost(Duration.ofSeconds(10)).until(() -> firstMessages.get() > 0);
    await().atMost(Duration.ofSeconds(10)).until(() -> floodSent.get() >= heldBytes);

    ManagedChannel healthy = channel(NettyChannelBuilder.forAddress("127.0.0.1", gateway.address().getPort())
        .usePlaintext());
    for (int i = 0; i < 10; i++) {
      byte[] answer = ClientCalls.blockingUnaryCall(healthy, ByteService.ECHO,
          CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), new byte[] {(byte) i});
      assertThat(answer).containsExactly(i);
    }
  }

  private ManagedChannel channel(NettyChannelBuilder builder) {
    ManagedChannel channel = builder.build();
    channels.add(channel);
    return channel;
  }

  /** Sends 64 KiB messages while the transport takes them, up to {@link #FLOOD_LIMIT}. */
  private ServerServiceDefinition flood() {
    return ServerServiceDefinition.builder("test.Flood")
        .addMethod(FLOOD, ServerCalls.asyncServerStreamingCall((request, observer) -> {
          ServerCallStreamObserver<byte[]> out = (ServerCallStreamObserver<byte[]>) observer;
          AtomicLong sent = new AtomicLong();
          byte[] message = new byte[MESSAGE];
          out.setOnCancelHandler(() -> { });
          out.setOnReadyHandler(() -> {
            while (out.isReady() && !out.isCancelled() && sent.get() < FLOOD_LIMIT) {
              out.onNext(message);
              sent.addAndGet(MESSAGE);
              floodSent.addAndGet(MESSAGE);
              if (sent.get() >= FLOOD_LIMIT) {
                out.onCompleted();
              }
            }
          });
        }))
        .build();
  }
}

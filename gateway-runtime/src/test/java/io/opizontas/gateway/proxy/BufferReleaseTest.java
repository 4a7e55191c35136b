package io.opizontas.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.TestGateways;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.junit.jupiter.api.Test;

/** Every buffer the data path reads is released: after completed, cancelled and expired calls. */
class BufferReleaseTest {

  @Test
  void noBufferLeaksAfterCompletedCancelledAndExpiredCalls() throws Exception {
    ArrayByteBufferPool.Tracking buffers = new ArrayByteBufferPool.Tracking();
    ByteService service = new ByteService();
    try (GrpcBackend backend = GrpcBackend.of(service::definition)) {
      Gateway gateway = TestGateways.route(Gateway.start(TestGateways.config(), buffers),
          Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
      ManagedChannel channel = TestGateways.channel(gateway);
      try {
        for (int i = 0; i < 20; i++) {
          ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[100_000]);
        }
        Iterator<byte[]> stream = ClientCalls.blockingServerStreamingCall(channel, ByteService.PRODUCE,
            CallOptions.DEFAULT, ByteBuffer.allocate(8).putInt(200).putInt(50_000).array());
        stream.forEachRemaining(message -> { });

        ClientCall<byte[], byte[]> hanging = channel.newCall(ByteService.HANG, CallOptions.DEFAULT);
        hanging.start(new ClientCall.Listener<>() {}, new Metadata());
        hanging.sendMessage(new byte[70_000]);
        assertThat(service.hangStarted.await(10, TimeUnit.SECONDS)).isTrue();
        hanging.cancel("done", null);

        catchThrowableOfType(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(channel,
            ByteService.HANG.toBuilder().setType(io.grpc.MethodDescriptor.MethodType.UNARY).build(),
            CallOptions.DEFAULT.withDeadlineAfter(100, TimeUnit.MILLISECONDS), new byte[10]));

        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.openClientStreams() == 0
            && gateway.openBackendStreams() == 0);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        gateway.close();
      }
    }

    assertThat(buffers.getLeaks()).as(buffers::dumpLeaks).isEmpty();
  }
}

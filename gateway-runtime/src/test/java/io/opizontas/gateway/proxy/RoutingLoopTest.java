package io.opizontas.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.TestGateways;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A route that leads back into a gateway, whatever put it there, ends as a status after a bounded
 * number of hops instead of multiplying connections; chains of gateways stay legal.
 */
class RoutingLoopTest {

  @Test
  void aServiceRoutedToTheGatewayItselfIsAnsweredAsARoutingLoop() throws Exception {
    try (Gateway gateway = Gateway.start(TestGateways.config())) {
      // The registration API would refuse this endpoint; a static entry or another registry may not.
      TestGateways.route(gateway, Map.of(ByteService.SERVICE,
          List.of(Endpoint.of("127.0.0.1", gateway.address().getPort()))));
      ManagedChannel channel = TestGateways.channel(gateway);
      try {
        StatusRuntimeException failed = catchThrowableOfType(StatusRuntimeException.class, () ->
            ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[] {1}));

        assertThat(failed.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(failed.getStatus().getDescription()).contains("routing loop");
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.openClientStreams() == 0);
        // One connection from the client, and the gateway's own connection to itself: not one per hop.
        assertThat(gateway.backendSessions()).isEqualTo(1);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aChainOfGatewaysStillReachesTheBackend() throws Exception {
    try (GrpcBackend backend = GrpcBackend.of(new ByteService()::definition);
        Gateway last = TestGateways.start(Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
        Gateway middle = TestGateways.start(Map.of(ByteService.SERVICE,
            List.of(Endpoint.of("127.0.0.1", last.address().getPort()))));
        Gateway first = TestGateways.start(Map.of(ByteService.SERVICE,
            List.of(Endpoint.of("127.0.0.1", middle.address().getPort()))))) {
      ManagedChannel channel = TestGateways.channel(first);
      try {
        assertThat(ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[] {7}))
            .containsExactly(7);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}

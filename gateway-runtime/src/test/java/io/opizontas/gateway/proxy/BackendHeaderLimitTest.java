package io.opizontas.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.TestGateways;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Metadata the gateway accepts but the backend does not (grpc-java servers announce an 8 KiB
 * MAX_HEADER_LIST_SIZE by default) fails with RESOURCE_EXHAUSTED, once: UNAVAILABLE would tell the
 * client to retry a call that can never succeed.
 */
class BackendHeaderLimitTest {

  @Test
  void metadataOverTheBackendsLimitIsResourceExhaustedNotUnavailable() throws Exception {
    ByteService service = new ByteService();
    try (GrpcBackend backend = GrpcBackend.of(service::definition);
        Gateway gateway = TestGateways.start(Map.of(ByteService.SERVICE, List.of(backend.endpoint())))) {
      ManagedChannel channel = TestGateways.channel(gateway);
      try {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("x-big", Metadata.ASCII_STRING_MARSHALLER), "x".repeat(12 * 1024));
        Channel big = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));

        StatusRuntimeException failed = catchThrowableOfType(StatusRuntimeException.class, () ->
            ClientCalls.blockingUnaryCall(big, ByteService.ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                new byte[] {1}));

        assertThat(failed.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(failed.getStatus().getDescription()).contains("larger than the backend");
        assertThat(ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[] {2}))
            .containsExactly(2);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}

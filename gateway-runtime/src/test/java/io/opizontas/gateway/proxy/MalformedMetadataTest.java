package io.opizontas.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.TestGateways;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Metadata HTTP/2 forbids a proxy to forward (RFC 9113 section 8.2.1), such as a value ending in a
 * space, which grpc-java and python grpcio clients send as given: the call gets a prompt status,
 * never silence, and other calls on the same connection are unaffected.
 */
class MalformedMetadataTest {

  private static final Metadata.Key<String> FOO = Metadata.Key.of("x-foo", Metadata.ASCII_STRING_MARSHALLER);

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
  void aRequestValueEndingInASpaceGetsInternalAtOnceAndTheConnectionStaysUsable() throws Exception {
    AtomicInteger reachedBackend = new AtomicInteger();
    ServerServiceDefinition echo = ServerServiceDefinition.builder(ByteService.SERVICE)
        .addMethod(ByteService.ECHO, ServerCalls.asyncUnaryCall((request, response) -> {
          reachedBackend.incrementAndGet();
          response.onNext(request);
          response.onCompleted();
        }))
        .build();
    start(echo);
    Metadata headers = new Metadata();
    headers.put(FOO, "abc ");
    Channel withSpace = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));

    long started = System.nanoTime();
    StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () ->
        ClientCalls.blockingUnaryCall(withSpace, ByteService.ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
            new byte[] {1}));

    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(refused.getStatus().getDescription()).contains("malformed request metadata").contains("abc ");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    assertThat(reachedBackend).hasValue(0);
    // Same channel, same connection: a well-formed call goes through.
    assertThat(ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[] {2}))
        .containsExactly(2);
    // The client has its trailers a moment before the gateway's stream is closed.
    await().atMost(Duration.ofSeconds(5)).until(() -> gateway.openClientStreams() == 0);
  }

  @Test
  void aBackendStatusMessageEndingInASpaceEndsTheCallWithAStatusInsteadOfAReset() throws Exception {
    ServerServiceDefinition denying = ServerServiceDefinition.builder(ByteService.SERVICE)
        .addMethod(ByteService.ECHO, ServerCalls.asyncUnaryCall((request, response) ->
            response.onError(Status.PERMISSION_DENIED.withDescription("denied by x-deny: ").asRuntimeException())))
        .build();
    start(denying);

    StatusRuntimeException failed = catchThrowableOfType(StatusRuntimeException.class, () ->
        ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
            new byte[] {1}));

    // grpc-java sends the message with its trailing space unencoded; Jetty's HTTP/2 client refuses
    // such a field, so the real status cannot be forwarded: the client learns why instead of seeing
    // a bare RST_STREAM.
    assertThat(failed.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(failed.getStatus().getDescription()).contains("does not allow to be forwarded");
  }

  private void start(ServerServiceDefinition service) throws Exception {
    backend = GrpcBackend.of(() -> service);
    gateway = TestGateways.start(Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
    channel = TestGateways.channel(gateway);
  }
}

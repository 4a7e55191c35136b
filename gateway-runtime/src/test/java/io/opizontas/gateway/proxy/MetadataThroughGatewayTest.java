package io.opizontas.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingServerCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.TestGateways;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Metadata both ways: custom and binary keys, the gRPC protocol headers, headers and trailers. */
class MetadataThroughGatewayTest {

  private static final Metadata.Key<String> CUSTOM = Metadata.Key.of("x-custom", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<byte[]> TRACE = Metadata.Key.of("x-trace-bin", Metadata.BINARY_BYTE_MARSHALLER);
  private static final Metadata.Key<String> RESPONSE_HEADER =
      Metadata.Key.of("x-response", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<byte[]> TRAILER = Metadata.Key.of("x-trailer-bin", Metadata.BINARY_BYTE_MARSHALLER);
  private static final Metadata.Key<byte[]> DETAILS =
      Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER);
  private static final Metadata.Key<String> USER_AGENT = Metadata.Key.of("user-agent", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> ENCODING = Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> ACCEPT_ENCODING =
      Metadata.Key.of("grpc-accept-encoding", Metadata.ASCII_STRING_MARSHALLER);

  private final AtomicReference<Metadata> seenByBackend = new AtomicReference<>();
  private GrpcBackend backend;
  private Gateway gateway;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    ServerServiceDefinition failing = ServerServiceDefinition.builder(ByteService.SERVICE)
        .addMethod(ByteService.ECHO, ServerCalls.asyncUnaryCall((request, response) -> {
          if (request.length == 1) {
            response.onNext(request);
            response.onCompleted();
            return;
          }
          Metadata trailers = new Metadata();
          trailers.put(TRAILER, new byte[] {9, 8, 7, 0, (byte) 255});
          trailers.put(DETAILS, new byte[] {1, 2, 3});
          response.onError(Status.INVALID_ARGUMENT.withDescription("bad request: ünïcode ✓").asRuntimeException(trailers));
        }))
        .build();
    ServerInterceptor capture = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        seenByBackend.set(headers);
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendHeaders(Metadata responseHeaders) {
            responseHeaders.put(RESPONSE_HEADER, "from-backend");
            super.sendHeaders(responseHeaders);
          }
        }, headers);
      }
    };
    backend = GrpcBackend.start(builder -> builder.addService(ServerInterceptors.intercept(failing, capture)), null);
    gateway = TestGateways.start(Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.address().getPort())
        .usePlaintext()
        .userAgent("opizontas-test/1.0")
        .build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
    backend.close();
  }

  @Test
  void metadataTravelsBothWaysUnchanged() {
    Metadata request = new Metadata();
    request.put(CUSTOM, "abc");
    request.put(TRACE, new byte[] {0, 1, 2, (byte) 255});
    Channel withMetadata = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(request));

    StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class, () ->
        ClientCalls.blockingUnaryCall(
            withMetadata.newCall(ByteService.ECHO, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)
                .withCompression("gzip")),
            new byte[] {1, 2, 3}));
    Metadata seen = seenByBackend.get();

    assertThat(seen.get(CUSTOM)).isEqualTo("abc");
    assertThat(seen.get(TRACE)).containsExactly(0, 1, 2, 255);
    assertThat(seen.get(USER_AGENT)).startsWith("opizontas-test/1.0");
    assertThat(seen.get(TIMEOUT)).isNotBlank();
    assertThat(seen.get(ENCODING)).isEqualTo("gzip");
    assertThat(seen.get(ACCEPT_ENCODING)).contains("gzip");

    assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(failure.getStatus().getDescription()).isEqualTo("bad request: ünïcode ✓");
    assertThat(failure.getTrailers().get(TRAILER)).containsExactly(9, 8, 7, 0, 255);
    assertThat(failure.getTrailers().get(DETAILS)).containsExactly(1, 2, 3);
  }

  @Test
  void responseHeadersReachTheClient() {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    Channel capturing = ClientInterceptors.intercept(channel, MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));

    byte[] response = ClientCalls.blockingUnaryCall(capturing, ByteService.ECHO, CallOptions.DEFAULT, new byte[] {42});

    assertThat(response).containsExactly(42);
    assertThat(headers.get().get(RESPONSE_HEADER)).isEqualTo("from-backend");
    assertThat(trailers.get().keys()).doesNotContain("x-response");
  }
}

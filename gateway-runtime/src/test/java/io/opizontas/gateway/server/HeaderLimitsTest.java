package io.opizontas.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.RawH2Client;
import io.opizontas.gateway.testing.TestGateways;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Metadata up to {@code server.max_header_list_size} (16 KiB by default) reaches the backend; more
 * fails that call only (issue 7, item 5).
 */
class HeaderLimitsTest {

  private static final Metadata.Key<String> BIG = Metadata.Key.of("x-big", Metadata.ASCII_STRING_MARSHALLER);

  private GrpcBackend backend;
  private Gateway gateway;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    ByteService service = new ByteService();
    // grpc-java accepts 8 KiB of metadata by default; this backend takes what the gateway allows.
    backend = GrpcBackend.start(builder -> builder.addService(service.definition())
        .maxInboundMetadataSize(64 * 1024), null);
    gateway = TestGateways.start(Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
    channel = TestGateways.channel(gateway);
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
    backend.close();
  }

  @Test
  void twelveKibibytesOfMetadataReachTheBackend() {
    byte[] answer = ClientCalls.blockingUnaryCall(withMetadata(12 * 1024), ByteService.ECHO,
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[] {4});

    assertThat(answer).containsExactly(4);
  }

  @Test
  void metadataOverTheLimitFailsItsOwnCallOnly() throws Exception {
    try (RawH2Client client = new RawH2Client(gateway.address())) {
      client.ignoreServerHeaderListLimit(64 * 1024);
      // A chat in flight on the connection: one message echoed, the second sent later.
      LinkedBlockingQueue<Object> chat = new LinkedBlockingQueue<>();
      Stream chatStream = client.session().newStream(
          new HeadersFrame(request("/" + ByteService.SERVICE + "/Chat", HttpFields.build()), null, false),
          recorder(chat)).get(5, TimeUnit.SECONDS);
      chatStream.data(new DataFrame(chatStream.getId(), grpcMessage(3), false)).get(5, TimeUnit.SECONDS);
      assertThat(chat.poll(10, TimeUnit.SECONDS)).isEqualTo(5 + 3);

      RawH2Client.Response refused = client.exchange("POST", "/" + ByteService.SERVICE + "/Echo",
          grpcHeaders().put("x-big", "x".repeat(20 * 1024)), new byte[] {0, 0, 0, 0, 1, 7});

      assertThat(refused.status()).isEqualTo(200);
      assertThat(refused.headersFrames()).isEqualTo(1);
      assertThat(refused.trailers().get("grpc-status"))
          .isEqualTo(String.valueOf(Status.Code.RESOURCE_EXHAUSTED.value()));
      assertThat(refused.trailers().get("grpc-message")).contains("server.max_header_list_size");
      chatStream.data(new DataFrame(chatStream.getId(), grpcMessage(4), true)).get(5, TimeUnit.SECONDS);
      assertThat(chat.poll(10, TimeUnit.SECONDS)).isEqualTo(5 + 4);
      assertThat(chat.poll(10, TimeUnit.SECONDS)).isEqualTo("grpc-status 0");
    }
  }

  private static MetaData.Request request(String path, HttpFields.Mutable extra) {
    return new MetaData.Request("POST", HttpURI.build("http://localhost" + path), HttpVersion.HTTP_2,
        grpcHeaders().add(extra), -1);
  }

  private static HttpFields.Mutable grpcHeaders() {
    return HttpFields.build().put("content-type", "application/grpc").put("te", "trailers");
  }

  private static ByteBuffer grpcMessage(int length) {
    return ByteBuffer.allocate(5 + length).put(0, (byte) 0).putInt(1, length);
  }

  /** Records each DATA frame's length, and the trailers' grpc-status; resets as "reset". */
  private static Stream.Listener recorder(LinkedBlockingQueue<Object> events) {
    return new Stream.Listener() {
      @Override
      public void onHeaders(Stream stream, HeadersFrame frame) {
        if (frame.isEndStream()) {
          events.add("grpc-status " + frame.getMetaData().getHttpFields().get("grpc-status"));
        } else {
          stream.demand();
        }
      }

      @Override
      public void onDataAvailable(Stream stream) {
        Stream.Data data = stream.readData();
        if (data != null) {
          boolean last = data.frame().isEndStream();
          if (data.frame().remaining() > 0) {
            events.add(data.frame().remaining());
          }
          data.release();
          // After the end, Jetty answers every read with an end-of-stream marker: demanding
          // more would spin.
          if (last) {
            return;
          }
        }
        stream.demand();
      }

      @Override
      public void onReset(Stream stream, ResetFrame frame, Callback callback) {
        events.add("reset " + frame.getError());
        callback.succeeded();
      }
    };
  }

  private io.grpc.Channel withMetadata(int bytes) {
    Metadata metadata = new Metadata();
    metadata.put(BIG, "x".repeat(bytes));
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(metadata));
  }


}

package io.opizontas.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.RawBackend;
import io.opizontas.gateway.testing.TestGateways;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A backend may answer before the client finished sending (RFC 9113 section 8.1). grpc-go then sends
 * its trailers followed by RST_STREAM(NO_ERROR): the client must get the backend's real status and
 * every response message, and stop uploading, instead of an INTERNAL made from the reset.
 */
class EarlyResponseEndTest {

  private static final int RESPONSE_MESSAGE = 256 * 1024;

  private final ExecutorService sender = Executors.newSingleThreadExecutor();

  @AfterEach
  void stopSending() {
    sender.shutdownNow();
  }

  @Test
  void trailersThenResetNoErrorMidUploadReachTheClientAsTheBackendsStatus() throws Exception {
    try (RawBackend backend = new RawBackend(EarlyResponseEndTest::answerEarlyLikeGrpcGo, true);
        Gateway gateway = TestGateways.start(Map.of(ByteService.SERVICE, List.of(backend.endpoint())))) {
      // A 64 KiB window: the response is still being forwarded when the backend's reset arrives.
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.address().getPort())
          .usePlaintext()
          .flowControlWindow(65_535)
          .build();
      try {
        for (int round = 0; round < 20; round++) {
          Outcome outcome = uploadUntilTheBackendAnswers(channel);
          assertThat(outcome.status.getCode()).as("round %d: %s after %d bytes", round, outcome.status, outcome.responseBytes).isEqualTo(Status.Code.FAILED_PRECONDITION);
          assertThat(outcome.status.getDescription()).isEqualTo("enough, thanks");
          assertThat(outcome.responseBytes).isEqualTo(RESPONSE_MESSAGE);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.openClientStreams() == 0
            && gateway.openBackendStreams() == 0);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private record Outcome(Status status, int responseBytes) {}

  /**
   * A client-streaming call that keeps sending until it is told the call is over. It sends from a
   * thread of its own: a send loop in onReady would hold the thread that delivers the response.
   */
  private Outcome uploadUntilTheBackendAnswers(ManagedChannel channel) throws Exception {
    CompletableFuture<Status> closed = new CompletableFuture<>();
    AtomicInteger received = new AtomicInteger();
    ClientCall<byte[], byte[]> call = channel.newCall(ByteService.COUNT, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS));
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        received.addAndGet(message.length);
        call.request(1);
      }

      @Override
      public void onReady() {
        sender.execute(() -> {
          while (call.isReady() && !closed.isDone()) {
            call.sendMessage(new byte[16 * 1024]);
          }
        });
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.request(1);
    return new Outcome(closed.get(20, TimeUnit.SECONDS), received.get());
  }

  /** Response headers, one large message, trailers, then RST_STREAM(NO_ERROR): one write at a time. */
  private static void answerEarlyLikeGrpcGo(Stream stream, HeadersFrame request) {
    HttpFields.Mutable headers = HttpFields.build().put("content-type", "application/grpc");
    ByteBuffer message = ByteBuffer.allocate(5 + RESPONSE_MESSAGE).put((byte) 0).putInt(RESPONSE_MESSAGE);
    message.position(message.limit()).flip();
    HttpFields.Mutable trailers = HttpFields.build().put("grpc-status", "9").put("grpc-message", "enough, thanks");
    int id = stream.getId();
    stream.headers(new HeadersFrame(id, new MetaData.Response(200, null, HttpVersion.HTTP_2, headers), null, false),
        Callback.from(() -> stream.data(new DataFrame(id, message, false),
            Callback.from(() -> stream.headers(new HeadersFrame(id, new MetaData(HttpVersion.HTTP_2, trailers), null, true),
                Callback.from(() -> stream.reset(new ResetFrame(id, ErrorCode.NO_ERROR.code), Callback.NOOP)))))));
  }
}

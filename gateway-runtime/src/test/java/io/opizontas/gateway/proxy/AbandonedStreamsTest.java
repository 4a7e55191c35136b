package io.opizontas.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.UpstreamConfig;
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
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * A call that ends abnormally after its backend stream already closed must still hand back the
 * flow-control credit of the response DATA queued on that stream: otherwise each such call keeps up
 * to one stream window of the shared backend connection, and after a few the connection stalls.
 */
class AbandonedStreamsTest {

  private static final int MESSAGE = 64 * 1024;

  @Test
  void resetsAfterTheBackendFinishedDoNotStarveTheBackendConnection() throws Exception {
    ArrayByteBufferPool.Tracking buffers = new ArrayByteBufferPool.Tracking();
    GatewayConfig base = TestGateways.config();
    // Pinned: 8 stream windows per connection, the proportions the defect needs to show quickly.
    UpstreamConfig upstream = new UpstreamConfig(Duration.ofSeconds(3), Duration.ofMinutes(5), Duration.ofMinutes(5),
        Duration.ofSeconds(20), 8 * 1024 * 1024, 1024 * 1024);
    ByteService service = new ByteService();
    HTTP2Client slowClient = new HTTP2Client();
    // The client reads nothing and grants one 64 KiB window: the rest of each response stays queued
    // on the gateway's backend stream after the backend has finished.
    slowClient.setInitialStreamRecvWindow(65_535);
    slowClient.setInitialSessionRecvWindow(16 * 1024 * 1024);
    slowClient.start();
    try (GrpcBackend backend = GrpcBackend.of(service::definition)) {
      Gateway gateway = TestGateways.route(
          Gateway.start(TestGateways.config(base.server().drainTimeout(), upstream), buffers),
          Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
      ManagedChannel channel = TestGateways.channel(gateway);
      try {
        Session session = slowClient.connect(gateway.address(), new Session.Listener() {}).get(5, TimeUnit.SECONDS);
        for (int i = 0; i < 12; i++) {
          Stream stream = produce(session, 12, MESSAGE);
          await().atMost(Duration.ofSeconds(10)).until(() -> gateway.openBackendStreams() == 0);
          stream.reset(new ResetFrame(stream.getId(), ErrorCode.CANCEL_STREAM_ERROR.code), Callback.NOOP);
          await().atMost(Duration.ofSeconds(10)).until(() -> gateway.openClientStreams() == 0);
        }

        Iterator<byte[]> responses = ClientCalls.blockingServerStreamingCall(channel, ByteService.PRODUCE,
            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), spec(32, MESSAGE));
        int received = 0;
        while (responses.hasNext()) {
          received += responses.next().length;
        }
        assertThat(received).isEqualTo(32 * MESSAGE);
        assertThat(gateway.backendSessions()).isEqualTo(1);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        gateway.close();
        slowClient.stop();
      }
    }
    assertThat(buffers.getLeaks()).as(buffers::dumpLeaks).isEmpty();
  }

  /** Opens a server-streaming call of {@code count} messages and never reads its response. */
  private static Stream produce(Session session, int count, int size) throws Exception {
    HttpFields fields = HttpFields.build().put("content-type", "application/grpc").put("te", "trailers");
    MetaData.Request request = new MetaData.Request("POST",
        HttpURI.build("http://localhost/" + ByteService.SERVICE + "/Produce"), HttpVersion.HTTP_2, fields, -1);
    Stream stream = session.newStream(new HeadersFrame(request, null, false), new Stream.Listener() {})
        .get(5, TimeUnit.SECONDS);
    byte[] message = spec(count, size);
    ByteBuffer frame = ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length).put(message).flip();
    stream.data(new DataFrame(stream.getId(), frame, true)).get(5, TimeUnit.SECONDS);
    return stream;
  }

  private static byte[] spec(int count, int size) {
    return ByteBuffer.allocate(8).putInt(count).putInt(size).array();
  }
}

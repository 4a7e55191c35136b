package io.opizontas.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.RawH2Client;
import io.opizontas.gateway.testing.TestGateways;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.frames.Frame;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.http2.frames.WindowUpdateFrame;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The control-frame budget of a client connection (1,000 a second), with raw frames: PINGs and
 * WINDOW_UPDATEs of closed streams that answer the gateway's frames, as grpc-go sends them under load,
 * do not spend it; PINGs with nothing to answer do, and a flood of them still ends the connection
 * with GOAWAY ENHANCE_YOUR_CALM.
 */
class ControlFrameRateTest {

  /** More than the budget of one second, all sent at once. */
  private static final int BURST = 1500;

  private GrpcBackend backend;
  private Gateway gateway;
  private RawH2Client client;

  @BeforeEach
  void start() throws Exception {
    backend = GrpcBackend.of(new ByteService()::definition);
    gateway = TestGateways.start(Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
    client = new RawH2Client(gateway.address());
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    gateway.close();
    backend.close();
  }

  private RawH2Client.Response echo() throws Exception {
    HttpFields headers = HttpFields.build()
        .put(HttpHeader.CONTENT_TYPE, "application/grpc")
        .put(HttpHeader.TE, "trailers");
    byte[] frame = ByteBuffer.allocate(6).put((byte) 0).putInt(1).put((byte) 7).array();
    return client.exchange("POST", "/" + ByteService.SERVICE + "/Echo", headers, frame);
  }

  /**
   * {@code count} frames written in one go: PINGs, and when {@code closedStreams} is above 0, as many
   * WINDOW_UPDATEs of the closed streams 1, 3, 5... up to it.
   */
  private void burst(int count, int closedStreams) {
    List<Frame> frames = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      boolean ping = closedStreams == 0 || i % 2 == 0;
      frames.add(ping ? new PingFrame(i, false) : new WindowUpdateFrame(2 * (i % closedStreams) + 1, 100));
    }
    ((HTTP2Session) client.session()).frames(null, frames, Callback.NOOP);
  }

  @Test
  void framesAnsweringTheGatewaysDataDoNotSpendTheBudget() throws Exception {
    // 400 calls: the gateway sends HEADERS, DATA and trailers for each, 1,200 frames to answer.
    for (int i = 0; i < 400; i++) {
      assertThat(echo().trailers().get("grpc-status")).isEqualTo("0");
    }

    burst(BURST, 400);

    assertThat(echo().trailers().get("grpc-status")).as("the connection still carries calls").isEqualTo("0");
    assertThat(client.goAway()).isNotDone();
  }

  @Test
  void pingsWithNothingToAnswerEndTheConnection() throws Exception {
    burst(BURST, 0);

    GoAwayFrame goAway = client.goAway().get(5, TimeUnit.SECONDS);
    assertThat(goAway.getError()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM_ERROR.code);
  }
}

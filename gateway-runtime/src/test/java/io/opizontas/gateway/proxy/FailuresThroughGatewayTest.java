package io.opizontas.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.ServerConfig;
import io.opizontas.gateway.config.UpstreamConfig;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.RawBackend;
import io.opizontas.gateway.testing.RawH2Client;
import io.opizontas.gateway.testing.TestGateways;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Cancellation, deadlines, dead and misbehaving peers: every failure ends as a gRPC status. */
class FailuresThroughGatewayTest {

  private final ByteService service = new ByteService();
  private GrpcBackend backend;
  private Gateway gateway;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (gateway != null) {
      gateway.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  private void startBytesBackendAndGateway() throws Exception {
    backend = GrpcBackend.of(service::definition);
    gateway = TestGateways.start(Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
    channel = TestGateways.channel(gateway);
  }

  @Test
  void clientCancellationCancelsTheBackendCall() throws Exception {
    startBytesBackendAndGateway();
    ClientCall<byte[], byte[]> call = channel.newCall(ByteService.HANG, CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {}, new Metadata());
    call.request(1);
    assertThat(service.hangStarted.await(10, TimeUnit.SECONDS)).isTrue();

    call.cancel("client gave up", null);

    await().atMost(Duration.ofSeconds(10)).until(() -> service.cancellations.get() == 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> gateway.openBackendStreams() == 0 && gateway.openClientStreams() == 0);
  }

  @Test
  void backendResetBeforeAnsweringMapsToTheSpecStatus() throws Exception {
    try (RawBackend resetting = new RawBackend((stream, request) ->
        stream.reset(new ResetFrame(stream.getId(), ErrorCode.REFUSED_STREAM_ERROR.code), Callback.NOOP))) {
      gateway = TestGateways.start(Map.of(ByteService.SERVICE, List.of(resetting.endpoint())));
      channel = TestGateways.channel(gateway);

      StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class,
          () -> ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[10]));

      assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(failure.getStatus().getDescription()).contains("REFUSED_STREAM");
    }
  }

  @Test
  void backendResetMidResponseReachesTheClientAsCancelled() throws Exception {
    try (RawBackend resetting = new RawBackend((stream, request) -> {
      MetaData.Response headers = new MetaData.Response(200, null, HttpVersion.HTTP_2,
          HttpFields.build().put("content-type", "application/grpc"));
      stream.headers(new HeadersFrame(stream.getId(), headers, null, false), Callback.from(() ->
          stream.reset(new ResetFrame(stream.getId(), ErrorCode.CANCEL_STREAM_ERROR.code), Callback.NOOP)));
    })) {
      gateway = TestGateways.start(Map.of(ByteService.SERVICE, List.of(resetting.endpoint())));
      channel = TestGateways.channel(gateway);

      StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class,
          () -> ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[10]));

      assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED);
    }
  }

  @Test
  void gatewayEnforcesGrpcTimeoutAndCancelsTheBackend() throws Exception {
    startBytesBackendAndGateway();
    try (RawH2Client raw = new RawH2Client(gateway.address())) {
      long start = System.nanoTime();
      RawH2Client.Response response = raw.exchange("POST", "/test.Bytes/Hang",
          HttpFields.build().put("content-type", "application/grpc").put("te", "trailers").put("grpc-timeout", "200m"),
          null);
      long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.trailers().get("grpc-status")).isEqualTo("4");
      assertThat(response.trailers().get("grpc-message")).contains("deadline exceeded");
      assertThat(elapsedMillis).isBetween(150L, 5_000L);
      await().atMost(Duration.ofSeconds(10)).until(() -> service.cancellations.get() == 1);
    }
  }

  @Test
  void deadlinesShareOneTimerYetEachCallEndsAtItsOwn() throws Exception {
    startBytesBackendAndGateway();
    try (RawH2Client raw = new RawH2Client(gateway.address())) {
      // The long deadline arms the timer first; the short one must re-arm it earlier, and the middle
      // one must still fire after the short one's expiry re-armed the timer for what was left.
      CompletableFuture<RawH2Client.Response> late = hangWithTimeout(raw, "60S");
      assertThat(service.hangStarted.await(10, TimeUnit.SECONDS)).isTrue();
      long start = System.nanoTime();
      CompletableFuture<RawH2Client.Response> middle = hangWithTimeout(raw, "900m");
      CompletableFuture<RawH2Client.Response> early = hangWithTimeout(raw, "200m");

      RawH2Client.Response earlyResponse = early.get(10, TimeUnit.SECONDS);
      long earlyMillis = (System.nanoTime() - start) / 1_000_000;
      RawH2Client.Response middleResponse = middle.get(10, TimeUnit.SECONDS);
      long middleMillis = (System.nanoTime() - start) / 1_000_000;

      assertThat(earlyResponse.trailers().get("grpc-status")).isEqualTo("4");
      assertThat(middleResponse.trailers().get("grpc-status")).isEqualTo("4");
      assertThat(earlyMillis).isBetween(150L, 850L);
      assertThat(middleMillis).isBetween(850L, 5_000L);
      assertThat(late).isNotDone();
    }
  }

  private static CompletableFuture<RawH2Client.Response> hangWithTimeout(RawH2Client raw, String timeout) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return raw.exchange("POST", "/test.Bytes/Hang", HttpFields.build().put("content-type", "application/grpc")
            .put("te", "trailers").put("grpc-timeout", timeout), null, Duration.ofSeconds(70));
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    });
  }

  @Test
  void unreachableBackendAnswersUnavailableWithinTheConnectTimeout() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    gateway = TestGateways.start(Map.of(ByteService.SERVICE, List.of(Endpoint.of("127.0.0.1", closedPort))));
    channel = TestGateways.channel(gateway);

    long start = System.nanoTime();
    StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[10]));

    assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(failure.getStatus().getDescription()).contains("127.0.0.1:" + closedPort);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void backendSilentAfterTcpAcceptFailsTheCallWithinTheConnectTimeout() throws Exception {
    // Accepts connections and never answers a byte, not even SETTINGS: a hung instance, caught by
    // the connect timeout (UpstreamPoolTest covers a keepalive PING left unanswered).
    try (ServerSocket blackHole = new ServerSocket(0)) {
      CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
        try {
          return blackHole.accept();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      UpstreamConfig quickKeepalive = new UpstreamConfig(Duration.ofSeconds(2), Duration.ofMinutes(1),
          Duration.ofMillis(200), Duration.ofMillis(500), 1 << 20, 1 << 20);
      gateway = TestGateways.route(Gateway.start(TestGateways.config(Duration.ofSeconds(1), quickKeepalive)),
          Map.of(ByteService.SERVICE, List.of(Endpoint.of("127.0.0.1", blackHole.getLocalPort()))));
      channel = TestGateways.channel(gateway);

      long start = System.nanoTime();
      StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class,
          () -> ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[10]));

      assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
      accepted.get(5, TimeUnit.SECONDS).close();
    }
  }

  @Test
  void backendKilledMidStreamEndsTheCallWithinSeconds() throws Exception {
    startBytesBackendAndGateway();
    LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(
        channel.newCall(ByteService.CHAT, CallOptions.DEFAULT), recorder(events));
    requests.onNext(new byte[7]);
    assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo(7);

    backend.kill();

    Object end = events.poll(10, TimeUnit.SECONDS);
    assertThat(end).isInstanceOf(Status.class);
    assertThat(((Status) end).getCode()).isNotEqualTo(Status.Code.OK);
  }

  @Test
  void inFlightCallsFinishOnASessionTheBackendSentGoawayOn() throws Exception {
    backend = GrpcBackend.start(builder -> builder.addService(service.definition())
        .maxConnectionAge(300, TimeUnit.MILLISECONDS)
        .maxConnectionAgeGrace(30, TimeUnit.SECONDS), null);
    gateway = TestGateways.start(Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
    channel = TestGateways.channel(gateway);
    LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    StreamObserver<byte[]> chat = ClientCalls.asyncBidiStreamingCall(
        channel.newCall(ByteService.CHAT, CallOptions.DEFAULT), recorder(events));
    chat.onNext(new byte[3]);
    assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo(3);

    // The backend's GOAWAY leaves the chat's session draining: new calls need a second session.
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[1]);
      return gateway.backendSessions() >= 2;
    });

    chat.onNext(new byte[5]);
    assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo(5);
    chat.onCompleted();
    assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("completed");
  }

  @Test
  void moreSessionsOpenWhenTheBackendsStreamLimitIsReached() throws Exception {
    backend = GrpcBackend.start(builder -> builder.addService(service.definition())
        .maxConcurrentCallsPerConnection(4), null);
    gateway = TestGateways.start(Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
    channel = TestGateways.channel(gateway);
    LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    List<StreamObserver<byte[]>> chats = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      StreamObserver<byte[]> chat = ClientCalls.asyncBidiStreamingCall(
          channel.newCall(ByteService.CHAT, CallOptions.DEFAULT), recorder(events));
      chat.onNext(new byte[i]);
      chats.add(chat);
    }
    java.util.Set<Object> echoed = new java.util.HashSet<>();
    for (int i = 0; i < 20; i++) {
      echoed.add(events.poll(10, TimeUnit.SECONDS));
    }

    assertThat(echoed).hasSize(20);
    assertThat(gateway.backendSessions()).isGreaterThanOrEqualTo(5);
    chats.forEach(StreamObserver::onCompleted);
    for (int i = 0; i < 20; i++) {
      assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("completed");
    }
  }

  @Test
  void gracefulShutdownLetsInFlightCallsFinish() throws Exception {
    backend = GrpcBackend.of(service::definition);
    gateway = TestGateways.route(
        Gateway.start(TestGateways.config(Duration.ofSeconds(20), GatewayConfig.defaults().upstream())),
        Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
    channel = TestGateways.channel(gateway);
    LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    StreamObserver<byte[]> chat = ClientCalls.asyncBidiStreamingCall(
        channel.newCall(ByteService.CHAT, CallOptions.DEFAULT), recorder(events));
    chat.onNext(new byte[3]);
    assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo(3);

    Gateway closing = gateway;
    int port = closing.address().getPort();
    CompletableFuture<Void> closed = CompletableFuture.runAsync(closing::close);
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        return false;
      } catch (java.io.IOException refused) {
        return true;
      }
    });

    assertThat(closed).isNotDone();
    chat.onNext(new byte[4]);
    assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo(4);
    chat.onCompleted();
    assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("completed");
    closed.get(10, TimeUnit.SECONDS);
    gateway = null;
  }

  @Test
  void http11RequestGetsAPlainHttpError() throws Exception {
    startBytesBackendAndGateway();
    try (Socket socket = new Socket("127.0.0.1", gateway.address().getPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /test.Bytes/Echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/grpc\r\n"
          + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);

      assertThat(response).startsWith("HTTP/1.1 505 ");
      assertThat(response).contains("text/plain").contains("HTTP/2");
    }
  }

  @Test
  void nonGrpcHttp2RequestsGetPlainHttpErrors() throws Exception {
    startBytesBackendAndGateway();
    try (RawH2Client raw = new RawH2Client(gateway.address())) {
      RawH2Client.Response json = raw.exchange("POST", "/test.Bytes/Echo",
          HttpFields.build().put("content-type", "application/json"), "{}".getBytes(StandardCharsets.UTF_8));
      RawH2Client.Response get = raw.exchange("GET", "/test.Bytes/Echo", HttpFields.build(), null);

      assertThat(json.status()).isEqualTo(415);
      assertThat(new String(json.body(), StandardCharsets.UTF_8)).contains("application/grpc");
      assertThat(get.status()).isEqualTo(405);
    }
    assertThat(gateway.backendSessions()).as("nothing reached a backend").isZero();
  }

  @Test
  void clientsAreToldTheConfiguredWindowAndStreamLimit() throws Exception {
    startBytesBackendAndGateway();
    ServerConfig server = GatewayConfig.defaults().server();
    try (RawH2Client raw = new RawH2Client(gateway.address())) {
      assertThat(raw.serverSettings())
          .containsEntry(SettingsFrame.INITIAL_WINDOW_SIZE, server.streamWindow())
          .containsEntry(SettingsFrame.MAX_CONCURRENT_STREAMS, server.maxConcurrentStreams());
    }
  }

  @Test
  void malformedMethodNameIsUnimplemented() throws Exception {
    startBytesBackendAndGateway();
    try (RawH2Client raw = new RawH2Client(gateway.address())) {
      RawH2Client.Response response = raw.exchange("POST", "/no-method",
          HttpFields.build().put("content-type", "application/grpc"), new byte[5]);

      assertThat(response.headersFrames()).isEqualTo(1);
      assertThat(response.trailers().get("grpc-status")).isEqualTo("12");
    }
  }

  @Test
  void trailersOnlyResponsesStayTrailersOnly() throws Exception {
    startBytesBackendAndGateway();
    try (RawH2Client raw = new RawH2Client(gateway.address())) {
      RawH2Client.Response response = raw.exchange("POST", "/test.Bytes/NoSuchMethod",
          HttpFields.build().put("content-type", "application/grpc").put("te", "trailers"), new byte[5]);

      assertThat(response.headersFrames()).isEqualTo(1);
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.trailers().get("grpc-status")).isEqualTo("12");
      assertThat(gateway.backendSessions()).as("the backend answered, not the gateway").isOne();
    }
  }

  @Test
  void oversizedMetadataFailsThatCallOnly() throws Exception {
    startBytesBackendAndGateway();
    Metadata flood = new Metadata();
    flood.put(Metadata.Key.of("x-flood", Metadata.ASCII_STRING_MARSHALLER), "x".repeat(100_000));
    ManagedChannel other = TestGateways.channel(gateway);
    try {
      StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class, () ->
          ClientCalls.blockingUnaryCall(
              io.grpc.ClientInterceptors.intercept(channel, io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(flood)),
              ByteService.ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[1]));

      assertThat(failure.getStatus().getCode()).isNotEqualTo(Status.Code.OK);
      assertThat(ClientCalls.blockingUnaryCall(other, ByteService.ECHO, CallOptions.DEFAULT, new byte[] {7}))
          .containsExactly(7);
    } finally {
      other.shutdownNow();
    }
  }

  @Test
  void malformedFramesCloseThatConnectionOnly() throws Exception {
    startBytesBackendAndGateway();
    try (Socket socket = new Socket("127.0.0.1", gateway.address().getPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      // A DATA frame on stream 0, which RFC 9113 makes a connection error, then noise.
      out.write(new byte[] {0, 0, 4, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, (byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef});
      out.flush();
      InputStream in = socket.getInputStream();
      while (in.read() != -1) {
        // SETTINGS and GOAWAY from the gateway, then end of stream: the connection is closed.
      }
    }
    assertThat(ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[] {5}))
        .containsExactly(5);
  }

  private static StreamObserver<byte[]> recorder(LinkedBlockingQueue<Object> events) {
    return new StreamObserver<>() {
      @Override
      public void onNext(byte[] value) {
        events.add(value.length);
      }

      @Override
      public void onError(Throwable t) {
        events.add(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        events.add("completed");
      }
    };
  }
}

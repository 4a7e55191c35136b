package io.opizontas.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.UpstreamConfig;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.TestGateways;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.http2.server.RawHTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pool hygiene: silent backends, reconnect backoff, a zero stream limit, pruning (issue 13, item 7). */
class UpstreamPoolTest {

  private final ByteService service = new ByteService();
  private GrpcBackend backend;
  private Gateway gateway;
  private ManagedChannel channel;
  private Server rawBackend;

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
    if (rawBackend != null) {
      rawBackend.stop();
    }
  }

  private static UpstreamConfig connectTimeout(Duration timeout) {
    UpstreamConfig d = GatewayConfig.defaults().upstream();
    return new UpstreamConfig(timeout, d.idleTimeout(), d.keepaliveInterval(), d.keepaliveTimeout(),
        d.sessionWindow(), d.streamWindow());
  }

  private void startGateway(UpstreamConfig upstream, Endpoint endpoint) throws Exception {
    gateway = TestGateways.route(Gateway.start(TestGateways.config(Duration.ofSeconds(1), upstream)),
        Map.of(ByteService.SERVICE, List.of(endpoint)));
    channel = TestGateways.channel(gateway);
  }

  private StatusRuntimeException failedEcho() {
    return catchThrowableOfType(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(channel,
        ByteService.ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[1]));
  }

  @Test
  void silentBackendIsClosedAtTheConnectTimeoutAndNotReconnectedDuringBackoff() throws Exception {
    try (ServerSocket blackHole = new ServerSocket(0)) {
      LinkedBlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(blackHole.accept());
          }
        } catch (IOException closed) {
          // The test is over.
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      startGateway(connectTimeout(Duration.ofMillis(500)), Endpoint.of("127.0.0.1", blackHole.getLocalPort()));

      StatusRuntimeException first = failedEcho();

      assertThat(first.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(first.getStatus().getDescription()).contains("no HTTP/2 handshake");
      try (Socket connection = accepted.poll(5, TimeUnit.SECONDS)) {
        connection.setSoTimeout(5_000);
        // The gateway closed its half-open connection: end of stream after whatever it wrote.
        while (connection.getInputStream().read() != -1) {
          // preface, SETTINGS, GOAWAY
        }
      }

      long start = System.nanoTime();
      StatusRuntimeException second = failedEcho();

      assertThat(second.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(second.getStatus().getDescription()).contains("not reconnecting").contains("no HTTP/2 handshake");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));
      assertThat(accepted).isEmpty();
    }
  }

  @Test
  void backendAllowingNoStreamsGetsOneConnectionAndCallsWaitForItsLimitToRise() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    CompletableFuture<Session> backendSession = new CompletableFuture<>();
    ServerSessionListener listener = new ServerSessionListener() {
      @Override
      public void onAccept(Session session) {
        backendSession.complete(session);
      }

      @Override
      public Stream.Listener onNewStream(Stream stream, HeadersFrame frame) {
        answerOneEmptyMessage(stream);
        return null;
      }
    };
    RawHTTP2ServerConnectionFactory h2c = new RawHTTP2ServerConnectionFactory(new HttpConfiguration(), listener);
    h2c.setMaxConcurrentStreams(0);
    rawBackend = new Server();
    ServerConnector connector = new ServerConnector(rawBackend, h2c);
    connector.setHost("127.0.0.1");
    connector.addEventListener(new Connection.Listener() {
      @Override
      public void onOpened(Connection connection) {
        connections.incrementAndGet();
      }
    });
    rawBackend.addConnector(connector);
    rawBackend.start();
    startGateway(connectTimeout(Duration.ofSeconds(2)), Endpoint.of("127.0.0.1", connector.getLocalPort()));

    // With no stream allowed, the call waits; then the backend raises its limit and the call runs.
    CompletableFuture<byte[]> call = CompletableFuture.supplyAsync(() -> ClientCalls.blockingUnaryCall(channel,
        ByteService.ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[1]));
    Session session = backendSession.get(5, TimeUnit.SECONDS);
    assertThat(call).isNotDone();
    session.settings(new SettingsFrame(Map.of(SettingsFrame.MAX_CONCURRENT_STREAMS, 10), false), Callback.NOOP);

    assertThat(call.get(5, TimeUnit.SECONDS)).isEmpty();
    assertThat(connections.get()).isEqualTo(1);
  }

  @Test
  void callsToABackendAllowingNoStreamsFailAfterTheConnectTimeoutWithoutReconnecting() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    RawHTTP2ServerConnectionFactory h2c = new RawHTTP2ServerConnectionFactory(new HttpConfiguration(),
        new ServerSessionListener() {});
    h2c.setMaxConcurrentStreams(0);
    rawBackend = new Server();
    ServerConnector connector = new ServerConnector(rawBackend, h2c);
    connector.setHost("127.0.0.1");
    connector.addEventListener(new Connection.Listener() {
      @Override
      public void onOpened(Connection connection) {
        connections.incrementAndGet();
      }
    });
    rawBackend.addConnector(connector);
    rawBackend.start();
    startGateway(connectTimeout(Duration.ofMillis(500)), Endpoint.of("127.0.0.1", connector.getLocalPort()));

    StatusRuntimeException failure = failedEcho();

    assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(failure.getStatus().getDescription()).contains("MAX_CONCURRENT_STREAMS = 0");
    assertThat(connections.get()).isEqualTo(1);
  }

  @Test
  void sessionsOfAnEndpointThatLeftTheTableCloseOnceTheirCallsEnd() throws Exception {
    backend = GrpcBackend.of(service::definition);
    startGateway(GatewayConfig.defaults().upstream(), backend.endpoint());
    LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    StreamObserver<byte[]> chat = ClientCalls.asyncBidiStreamingCall(
        channel.newCall(ByteService.CHAT, CallOptions.DEFAULT), recorder(events));
    chat.onNext(new byte[3]);
    assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo(3);

    gateway.endpoints().sink("test").update(ByteService.SERVICE, Set.of());

    // The call in flight carries on; its session closes when it ends.
    chat.onNext(new byte[5]);
    assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo(5);
    assertThat(gateway.backendSessions()).isEqualTo(1);
    chat.onCompleted();
    assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("completed");
    await().atMost(Duration.ofSeconds(5)).until(() -> gateway.backendSessions() == 0);
  }

  @Test
  void anEndpointWhoseMetadataChangesKeepsItsSession() throws Exception {
    backend = GrpcBackend.of(service::definition);
    Endpoint plain = backend.endpoint();
    startGateway(GatewayConfig.defaults().upstream(), plain);
    ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[1]);

    Endpoint relabelled = new Endpoint(plain.host(), plain.port(), plain.weight(), "zone-b", Map.of("v", "2"));
    gateway.endpoints().sink("test").update(ByteService.SERVICE, Set.of(relabelled));
    ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[1]);

    assertThat(gateway.backendSessions()).isEqualTo(1);
  }

  @Test
  void hostNamesAreResolvedAndUnresolvableOnesAnswerUnavailableNamingTheHost() throws Exception {
    backend = GrpcBackend.of(service::definition);
    startGateway(GatewayConfig.defaults().upstream(), Endpoint.of("localhost", backend.port()));

    assertThat(ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[] {9}))
        .containsExactly(9);

    gateway.endpoints().sink("test").update(ByteService.SERVICE, Set.of(Endpoint.of("no-such-host.invalid", 1)));
    StatusRuntimeException failure = failedEcho();

    assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(failure.getStatus().getDescription()).contains("cannot resolve host no-such-host.invalid");
  }

  @Test
  void aLostKeepalivePingIsNoticedWithinTheKeepaliveTimeout() throws Exception {
    backend = GrpcBackend.start(builder -> builder.addService(service.definition())
        .permitKeepAliveTime(1, TimeUnit.SECONDS), null);
    try (FreezingRelay relay = new FreezingRelay(backend.port())) {
      UpstreamConfig d = GatewayConfig.defaults().upstream();
      long started = System.nanoTime();
      // A PING every 3 s, answered within 200 ms: noticed about 3.2 s after the gateway started,
      // where waiting for the next tick would take 6 s.
      startGateway(new UpstreamConfig(d.connectTimeout(), d.idleTimeout(), Duration.ofSeconds(3),
          Duration.ofMillis(200), d.sessionWindow(), d.streamWindow()), Endpoint.of("127.0.0.1", relay.port()));
      LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
      StreamObserver<byte[]> chat = ClientCalls.asyncBidiStreamingCall(
          channel.newCall(ByteService.CHAT, CallOptions.DEFAULT), recorder(events));
      chat.onNext(new byte[3]);
      assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo(3);

      relay.freeze();

      Object end = events.poll(10, TimeUnit.SECONDS);
      assertThat(end).isInstanceOf(Status.class);
      assertThat(((Status) end).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }
  }

  /** A TCP relay to a backend that can stop forwarding bytes, as a network partition would. */
  private static final class FreezingRelay implements AutoCloseable {
    private final ServerSocket listener = new ServerSocket(0);
    private final int target;
    private volatile boolean frozen;

    FreezingRelay(int target) throws IOException {
      this.target = target;
      daemon(() -> {
        while (true) {
          Socket client = listener.accept();
          Socket server = new Socket("127.0.0.1", target);
          daemon(() -> copy(client, server));
          daemon(() -> copy(server, client));
        }
      });
    }

    int port() {
      return listener.getLocalPort();
    }

    void freeze() {
      frozen = true;
    }

    private void copy(Socket from, Socket to) throws IOException {
      byte[] buffer = new byte[16 * 1024];
      int read;
      while ((read = from.getInputStream().read(buffer)) != -1) {
        if (!frozen) {
          to.getOutputStream().write(buffer, 0, read);
        }
      }
    }

    private static void daemon(IoTask task) {
      Thread thread = new Thread(() -> {
        try {
          task.run();
        } catch (IOException closed) {
          // The relay or one of its sockets closed.
        }
      });
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws IOException {
      listener.close();
    }

    @FunctionalInterface
    private interface IoTask {
      void run() throws IOException;
    }
  }

  /** Response headers, one empty gRPC message, trailers with status OK; one write at a time. */
  private static void answerOneEmptyMessage(Stream stream) {
    MetaData.Response headers = new MetaData.Response(200, null, HttpVersion.HTTP_2,
        HttpFields.build().put("content-type", "application/grpc"));
    MetaData trailers = new MetaData(HttpVersion.HTTP_2, HttpFields.build().put("grpc-status", "0"));
    stream.headers(new HeadersFrame(stream.getId(), headers, null, false), Callback.from(() ->
        stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap(new byte[5]), false), Callback.from(() ->
            stream.headers(new HeadersFrame(stream.getId(), trailers, null, true), Callback.NOOP)))));
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

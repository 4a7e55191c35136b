package io.opizontas.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.config.BalancingConfig;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.RawBackend;
import io.opizontas.gateway.testing.RawH2Client;
import io.opizontas.gateway.testing.TestGateways;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Transparent retries through a real gateway: calls that never reached a backend go to another
 * endpoint within [balancing.retries]; calls whose request went out are never replayed.
 */
class RetriesThroughGatewayTest {

  private final List<AutoCloseable> backends = new ArrayList<>();
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
    for (AutoCloseable backend : backends) {
      backend.close();
    }
  }

  @Test
  void aThousandCallsAllSucceedWhileOneOfThreeEndpointsRefusesConnections() throws Exception {
    AtomicInteger served = new AtomicInteger();
    Endpoint first = countingEchoBackend(served);
    Endpoint second = countingEchoBackend(served);
    start(BalancingConfig.Retries.DEFAULTS, Map.of(ByteService.SERVICE, List.of(first, refusingEndpoint(), second)));

    for (int i = 0; i < 1_000; i++) {
      byte[] answer = ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[] {(byte) i});
      assertThat(answer).containsExactly((byte) i);
    }
    assertThat(served).hasValue(1_000);
  }

  @Test
  void aStreamRefusedBeforeAnyOfTheRequestWasReadGoesToAnotherEndpoint() throws Exception {
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    RawBackend refusing = raw(new RawBackend((stream, request) -> {
      refused.incrementAndGet();
      stream.reset(new ResetFrame(stream.getId(), ErrorCode.REFUSED_STREAM_ERROR.code), Callback.NOOP);
    }));
    RawBackend answering = raw(new RawBackend((stream, request) -> {
      answered.incrementAndGet();
      MetaData.Response ok = new MetaData.Response(200, null, HttpVersion.HTTP_2,
          HttpFields.build().put("content-type", "application/grpc").put("grpc-status", "0"));
      stream.headers(new HeadersFrame(stream.getId(), ok, null, true), Callback.NOOP);
    }));
    start(BalancingConfig.Retries.DEFAULTS, Map.of(ByteService.SERVICE, List.of(refusing.endpoint(), answering.endpoint())));

    // HEADERS with END_STREAM: a call whose whole request is its headers, so a refused stream
    // carried all of it and none of it was lost.
    try (RawH2Client client = new RawH2Client(gateway.address())) {
      for (int i = 0; i < 10; i++) {
        RawH2Client.Response response = client.exchange("POST", "/test.Bytes/Echo",
            HttpFields.build().put("content-type", "application/grpc").put("te", "trailers"), null);
        assertThat(response.trailers().get("grpc-status")).isEqualTo("0");
      }
    }
    assertThat(answered).hasValue(10);
    assertThat(refused.get()).isPositive();
  }

  @Test
  void aBackendThatResetsAfterReadingTheRequestFailsThoseCallsOnceEachWithoutReplay() throws Exception {
    AtomicInteger requestsSeen = new AtomicInteger();
    RawBackend resetting = raw(new RawBackend((stream, request) -> {
      stream.demand();
      return resetAfterTheRequest(requestsSeen);
    }, false));
    AtomicInteger served = new AtomicInteger();
    start(BalancingConfig.Retries.DEFAULTS,
        Map.of(ByteService.SERVICE, List.of(resetting.endpoint(), countingEchoBackend(served))));

    int failed = 0;
    for (int i = 0; i < 20; i++) {
      StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class,
          () -> ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[100]));
      if (failure != null) {
        assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(failure.getStatus().getDescription()).contains("REFUSED_STREAM");
        failed++;
      }
    }
    assertThat(failed).isPositive();
    assertThat(requestsSeen).hasValue(failed);
    assertThat(served).hasValue(20 - failed);
  }

  @Test
  void whenEveryEndpointRefusesTheStatusNamesEachOneTried() throws Exception {
    Endpoint a = refusingEndpoint();
    Endpoint b = refusingEndpoint();
    Endpoint c = refusingEndpoint();
    start(BalancingConfig.Retries.DEFAULTS, Map.of(ByteService.SERVICE, List.of(a, b, c)));

    StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[1]));

    assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(failure.getStatus().getDescription())
        .startsWith("cannot reach test.Bytes: 3 attempts: ")
        .contains(a.address(), b.address(), c.address());
  }

  @Test
  void withEveryEndpointRefusingAndNoBudgetLeftNoCallIsRetried() throws Exception {
    start(new BalancingConfig.Retries(3, 0, 0),
        Map.of(ByteService.SERVICE, List.of(refusingEndpoint(), refusingEndpoint(), refusingEndpoint())));

    for (int i = 0; i < 5; i++) {
      StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class,
          () -> ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[1]));
      assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(failure.getStatus().getDescription())
          .contains("1 attempt: ")
          .endsWith("not retried: the retry budget of test.Bytes is spent (0% of 1 calls in flight, at least 0)");
    }
  }

  @Test
  void retriesStopAtTheBudgetWhileEarlierRetriesAreStillInFlight() throws Exception {
    AtomicInteger hanging = new AtomicInteger();
    // Accepts every call and never answers: a call retried onto it keeps its place in the budget.
    RawBackend silent = raw(new RawBackend((stream, request) -> {
      hanging.incrementAndGet();
    }));
    start(new BalancingConfig.Retries(3, 0, 1),
        Map.of(ByteService.SERVICE, List.of(silent.endpoint(), refusingEndpoint(), refusingEndpoint())));

    List<ListenableFuture<byte[]>> calls = new ArrayList<>();
    StatusRuntimeException refusal = null;
    for (int i = 0; i < 12 && refusal == null; i++) {
      int before = hanging.get();
      ListenableFuture<byte[]> call = ClientCalls.futureUnaryCall(channel.newCall(ByteService.ECHO,
          CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)), new byte[1]);
      calls.add(call);
      await().atMost(Duration.ofSeconds(10)).until(() -> call.isDone() || hanging.get() > before);
      if (call.isDone()) {
        refusal = (StatusRuntimeException) catchThrowableOfType(ExecutionException.class, call::get).getCause();
      }
    }
    calls.forEach(call -> call.cancel(true));

    assertThat(refusal).as("a call refused by the budget within 12 calls").isNotNull();
    assertThat(refusal.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(refusal.getStatus().getDescription()).contains("not retried: the retry budget of test.Bytes is spent")
        .contains("at least 1)");
    // Every call before it went through, one of them by a retry that still holds the budget.
    assertThat(hanging.get()).isEqualTo(calls.size() - 1);
  }

  private void start(BalancingConfig.Retries retries, Map<String, List<Endpoint>> routes) throws Exception {
    GatewayConfig base = TestGateways.config();
    BalancingConfig balancing = new BalancingConfig(BalancingConfig.defaults().defaultStrategy(), List.of(), "", retries);
    GatewayConfig config = base.withBalancing(balancing);
    gateway = TestGateways.route(Gateway.start(config), routes);
    channel = TestGateways.channel(gateway);
  }

  private Endpoint countingEchoBackend(AtomicInteger served) throws Exception {
    ServerInterceptor counting = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        served.incrementAndGet();
        return next.startCall(call, headers);
      }
    };
    GrpcBackend backend = GrpcBackend.start(builder ->
        builder.addService(ServerInterceptors.intercept(new ByteService().definition(), counting)), null);
    backends.add(backend::close);
    return backend.endpoint();
  }

  private RawBackend raw(RawBackend backend) {
    backends.add(backend);
    return backend;
  }

  /** A loopback port nothing listens on: connections to it are refused. */
  private static Endpoint refusingEndpoint() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return Endpoint.of("127.0.0.1", socket.getLocalPort());
    }
  }

  /** Reads the whole request, counts it, then resets its stream with REFUSED_STREAM. */
  private static Stream.Listener resetAfterTheRequest(AtomicInteger requests) {
    return new Stream.Listener() {
      @Override
      public void onDataAvailable(Stream stream) {
        Stream.Data data = stream.readData();
        if (data == null) {
          stream.demand();
          return;
        }
        boolean last = data.frame().isEndStream();
        data.release();
        if (!last) {
          stream.demand();
          return;
        }
        requests.incrementAndGet();
        stream.reset(new ResetFrame(stream.getId(), ErrorCode.REFUSED_STREAM_ERROR.code), Callback.NOOP);
      }
    };
  }
}

package io.opizontas.gateway.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.TestGateways;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's own grpc.health.v1.Health on its listener: SERVING while it accepts calls,
 * NOT_SERVING at the start of a drain while a call in flight still completes, and per service
 * whether a routable endpoint exists.
 */
class GatewayHealthServiceTest {

  private final ByteService bytes = new ByteService();
  private GrpcBackend backend;
  private Gateway gateway;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    backend = GrpcBackend.of(bytes::definition);
    gateway = TestGateways.route(
        Gateway.start(TestGateways.config(Duration.ofSeconds(10), GatewayConfig.defaults().upstream())),
        Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
    channel = TestGateways.channel(gateway);
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
    backend.close();
  }

  private ServingStatus check(String service) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }

  @Test
  void answersForItselfAndPerService() {
    gateway.endpoints().sink("test").update("empty.Service", Set.of(Endpoint.of("127.0.0.1", 1)));
    gateway.endpoints().sink("test").update("empty.Service", Set.of());

    assertThat(check("")).isEqualTo(ServingStatus.SERVING);
    assertThat(check(ByteService.SERVICE)).isEqualTo(ServingStatus.SERVING);
    assertThat(check("empty.Service")).isEqualTo(ServingStatus.NOT_SERVING);
    StatusRuntimeException unknown = catchThrowableOfType(StatusRuntimeException.class, () -> check("no.Such"));
    assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void noRegistryMayTakeTheHealthServiceName() {
    gateway.endpoints().sink("test").update(GatewayHealthService.SERVICE, Set.of(backend.endpoint()));

    assertThat(gateway.health().routable(GatewayHealthService.SERVICE)).doesNotContain(backend.endpoint());
    assertThat(check("")).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void watchTurnsNotServingAtTheStartOfADrainWhileACallInFlightCompletes() throws Exception {
    List<ServingStatus> seen = new CopyOnWriteArrayList<>();
    CompletableFuture<Status> watchEnd = new CompletableFuture<>();
    HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
      @Override
      public void onNext(HealthCheckResponse value) {
        seen.add(value.getStatus());
      }

      @Override
      public void onError(Throwable t) {
        watchEnd.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        watchEnd.complete(Status.OK);
      }
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.equals(List.of(ServingStatus.SERVING)));
    CompletableFuture<byte[]> inFlight = CompletableFuture.supplyAsync(() -> ClientCalls.blockingUnaryCall(channel,
        ByteService.SLOW, CallOptions.DEFAULT, ByteService.slowRequest(Duration.ofMillis(1500))));
    assertThat(bytes.slowArrived.tryAcquire(10, TimeUnit.SECONDS)).isTrue();

    CompletableFuture<Void> closed = CompletableFuture.runAsync(gateway::close);

    await().atMost(Duration.ofSeconds(5)).until(() -> seen.equals(List.of(ServingStatus.SERVING, ServingStatus.NOT_SERVING)));
    assertThat(inFlight).isNotDone();
    assertThat(inFlight.get(10, TimeUnit.SECONDS)).isEqualTo(ByteService.slowRequest(Duration.ofMillis(1500)));
    assertThat(watchEnd.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    closed.get(10, TimeUnit.SECONDS);
  }

  @Test
  void watchFollowsAServiceLosingAndRegainingItsEndpoints() {
    List<ServingStatus> seen = new CopyOnWriteArrayList<>();
    HealthGrpc.newStub(channel).watch(HealthCheckRequest.newBuilder().setService(ByteService.SERVICE).build(),
        new StreamObserver<>() {
          @Override
          public void onNext(HealthCheckResponse value) {
            seen.add(value.getStatus());
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.equals(List.of(ServingStatus.SERVING)));

    gateway.endpoints().sink("test").update(ByteService.SERVICE, Set.of());
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);
    gateway.endpoints().sink("test").update(ByteService.SERVICE, Set.of(backend.endpoint()));
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 3);

    assertThat(seen).containsExactly(ServingStatus.SERVING, ServingStatus.NOT_SERVING, ServingStatus.SERVING);
  }
}

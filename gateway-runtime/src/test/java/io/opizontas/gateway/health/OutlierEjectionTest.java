package io.opizontas.gateway.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.HealthConfig;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.RawBackend;
import io.opizontas.gateway.testing.TestGateways;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Passive outlier ejection from real calls: a backend that resets every stream is taken out after
 * the configured failures in a row, no more than max_percent of a service is ejected at once, and an
 * ejected endpoint returns when its time is up.
 */
class OutlierEjectionTest {

  private static final Duration BASE_TIME = Duration.ofMillis(1500);

  private final AtomicInteger resets = new AtomicInteger();
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
  }

  private RawBackend resetting() throws Exception {
    return new RawBackend((stream, request) -> {
      resets.incrementAndGet();
      stream.reset(new ResetFrame(stream.getId(), ErrorCode.INTERNAL_ERROR.code), Callback.NOOP);
    }, true);
  }

  private void start(List<Endpoint> endpoints) throws Exception {
    start(endpoints, BASE_TIME);
  }

  private void start(List<Endpoint> endpoints, Duration baseTime) throws Exception {
    HealthConfig.Ejection ejection = new HealthConfig.Ejection(5, baseTime, Duration.ofSeconds(30), 50);
    HealthConfig d = HealthConfig.defaults();
    GatewayConfig config = TestGateways.config().withHealth(new HealthConfig(null, List.of(), d.interval(),
        d.timeout(), d.unhealthyThreshold(), d.healthyThreshold(), 0, ejection));
    gateway = TestGateways.route(Gateway.start(config), Map.of(ByteService.SERVICE, endpoints));
    channel = TestGateways.channel(gateway);
  }

  private Status.Code call() {
    try {
      ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[8]);
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private long ejected() {
    return gateway.health().statuses().stream().filter(EndpointStatus::ejected).count();
  }

  @Test
  void aBackendThatResetsEveryCallIsEjectedAndReturnsAfterItsTime() throws Exception {
    try (GrpcBackend good = GrpcBackend.of(() -> new ByteService().definition()); RawBackend bad = resetting()) {
      start(List.of(good.endpoint(), bad.endpoint()));

      // Round-robin: every second call goes to the bad backend; the fifth reset in a row ejects it.
      for (int i = 0; i < 10; i++) {
        call();
      }
      assertThat(resets.get()).isEqualTo(5);
      assertThat(gateway.health().statuses()).filteredOn(EndpointStatus::ejected)
          .extracting(EndpointStatus::endpoint).containsExactly(bad.endpoint());

      int before = resets.get();
      for (int i = 0; i < 20; i++) {
        assertThat(call()).isEqualTo(Status.Code.OK);
      }
      assertThat(resets.get()).isEqualTo(before);

      await().atMost(Duration.ofSeconds(5)).until(() -> ejected() == 0);
      await().atMost(Duration.ofSeconds(5)).until(() -> {
        call();
        return resets.get() > before;
      });
    }
  }

  @Test
  void atMostHalfOfAServiceIsEjected() throws Exception {
    try (RawBackend first = resetting(); RawBackend second = resetting()) {
      // Long enough that no ejection ends during the test.
      start(List.of(first.endpoint(), second.endpoint()), Duration.ofSeconds(30));

      for (int i = 0; i < 40; i++) {
        assertThat(call()).isIn(Status.Code.INTERNAL, Status.Code.UNAVAILABLE);
      }

      assertThat(ejected()).isEqualTo(1);
      // The one left in takes every call meanwhile.
      assertThat(resets.get()).isEqualTo(40);
    }
  }

  @Test
  void callsTheBackendAnswersDoNotCountEvenWithAnErrorStatus() throws Exception {
    try (GrpcBackend good = GrpcBackend.of(() -> new ByteService().definition());
        GrpcBackend other = GrpcBackend.of(() -> new ByteService().definition())) {
      start(List.of(good.endpoint(), other.endpoint()));

      for (int i = 0; i < 20; i++) {
        // UNIMPLEMENTED from the backends: an answer, not a failure of the endpoint.
        try {
          ClientCalls.blockingUnaryCall(channel.newCall(
              ByteService.ECHO.toBuilder().setFullMethodName(ByteService.SERVICE + "/Missing").build(),
              CallOptions.DEFAULT), new byte[1]);
        } catch (StatusRuntimeException e) {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        }
      }

      assertThat(ejected()).isZero();
    }
  }
}

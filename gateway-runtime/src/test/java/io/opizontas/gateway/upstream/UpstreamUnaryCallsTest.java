package io.opizontas.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.EndpointCalls;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.TlsConfig;
import io.opizontas.gateway.tls.UpstreamTls;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The unary calls plugins make over the gateway's backend sessions (EndpointCalls), against a real
 * grpc-java server: the response message whole (also when it spans many DATA frames), the backend's
 * status, the deadline, and an endpoint that cannot be reached.
 */
class UpstreamUnaryCallsTest {

  private final ByteService service = new ByteService();
  private final QueuedThreadPool threads = new QueuedThreadPool();
  private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("test-timer", true);
  private GrpcBackend backend;
  private UpstreamPool pool;
  private EndpointCalls calls;

  @BeforeEach
  void start() throws Exception {
    backend = GrpcBackend.of(service::definition);
    threads.start();
    scheduler.start();
    UpstreamTls plaintext = UpstreamTls.start(TlsConfig.none().upstream(), (provider, rotations) -> {
      throw new AssertionError("no TLS is configured");
    });
    pool = new UpstreamPool(GatewayConfig.defaults().upstream(), 64 * 1024, threads, scheduler,
        new ArrayByteBufferPool(), plaintext);
    pool.start();
    calls = new UpstreamUnaryCalls(pool, scheduler);
  }

  @AfterEach
  void stop() throws Exception {
    pool.stop();
    scheduler.stop();
    threads.stop();
    backend.close();
  }

  private EndpointCalls.Response call(Endpoint endpoint, String method, byte[] request, Duration deadline)
      throws Exception {
    return calls.unary("test.Bytes", endpoint, method, request, deadline).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void answersCarryTheWholeMessageAndTheStatus() throws Exception {
    byte[] small = {1, 2, 3};
    byte[] large = new byte[300 * 1024];
    Arrays.fill(large, (byte) 7);

    EndpointCalls.Response echoed = call(backend.endpoint(), ByteService.SERVICE + "/Echo", small, Duration.ofSeconds(5));
    EndpointCalls.Response big = call(backend.endpoint(), ByteService.SERVICE + "/Echo", large, Duration.ofSeconds(5));
    EndpointCalls.Response missing = call(backend.endpoint(), ByteService.SERVICE + "/Missing", small,
        Duration.ofSeconds(5));

    assertThat(echoed.status().code()).isEqualTo(GrpcStatusCode.OK);
    assertThat(echoed.message()).isEqualTo(small);
    assertThat(big.message()).isEqualTo(large);
    assertThat(missing.status().code()).isEqualTo(GrpcStatusCode.UNIMPLEMENTED);
    assertThat(missing.message()).isEmpty();
  }

  @Test
  void aLateAnswerEndsAtTheDeadline() throws Exception {
    long start = System.nanoTime();
    EndpointCalls.Response late = call(backend.endpoint(), ByteService.SERVICE + "/Slow",
        ByteService.slowRequest(Duration.ofSeconds(5)), Duration.ofMillis(200));

    assertThat(late.status().code()).isEqualTo(GrpcStatusCode.DEADLINE_EXCEEDED);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void anEndpointNobodyListensOnIsUnavailable() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }

    EndpointCalls.Response refused = call(Endpoint.of("127.0.0.1", port), ByteService.SERVICE + "/Echo", new byte[1],
        Duration.ofSeconds(2));

    assertThat(refused.status().code()).isEqualTo(GrpcStatusCode.UNAVAILABLE);
    assertThat(refused.status().message()).contains("127.0.0.1:" + port);
  }
}

package io.opizontas.gateway.plugins.balancers;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.server.Gateway;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code least-request} in a real gateway in front of three real grpc-java backends, one of which
 * answers 20 ms later than the others, under 64 calls in flight: the slow one gets clearly fewer
 * calls than the third an even split would give it.
 */
class LeastRequestThroughGatewayIT {

  private static final String SERVICE = "load.Work";
  private static final int SLOW = 2;
  private static final int IN_FLIGHT = 64;
  private static final int WARM_UP_CALLS = 6_000;
  private static final int CALLS = 4_000;

  @TempDir Path dir;

  /** Answers the slow backend's calls late without holding a gRPC thread meanwhile. */
  private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
  private final List<Server> backends = new ArrayList<>();
  private final AtomicIntegerArray served = new AtomicIntegerArray(3);
  private Gateway gateway;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    for (int i = 0; i < 3; i++) {
      backends.add(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
          .addService(backend(i)).build().start());
    }
    gateway = GatewayWithBalancers.start(dir, """
        [balancing]
        default = "least-request"
        """);
    Set<Endpoint> endpoints = new LinkedHashSet<>();
    for (Server backend : backends) {
      endpoints.add(Endpoint.of("127.0.0.1", backend.getPort()));
    }
    gateway.endpoints().sink("test").update(SERVICE, endpoints);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.address().getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
    for (Server backend : backends) {
      backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    later.shutdownNow();
  }

  @Test
  void theSlowBackendGetsClearlyFewerCalls() throws Exception {
    // The first calls of a fresh JVM are slow everywhere (nothing compiled yet), which hides a 20 ms
    // difference: warm up, then count.
    assertThat(closedLoop(WARM_UP_CALLS)).isEmpty();
    for (int i = 0; i < 3; i++) {
      served.set(i, 0);
    }
    List<Throwable> failures = closedLoop(CALLS);

    assertThat(failures).isEmpty();
    int total = served.get(0) + served.get(1) + served.get(2);
    assertThat(total).isEqualTo(CALLS);
    // Round-robin gives it exactly a third (1,333 calls), random a third ± 30 (one standard deviation). Least-request
    // evens out calls in flight, so the slow one's share is about q / (3q + 40 ms) for a fast call's
    // latency q, which with 64 in flight is queueing in this one JVM: 11% at q = 7 ms, 17% with the
    // machine busy, 23% at a load average of 10 on two cores (q = 30 ms). Four fifths of a third
    // (1,066 calls) is out of reach of round-robin and random, and needs q above 50 ms to miss.
    assertThat(served.get(SLOW))
        .as("calls to the slow backend, of %d (fast ones: %d, %d)", CALLS, served.get(0), served.get(1))
        .isLessThan(CALLS * 4 / 15);
  }

  /**
   * {@code calls} unary calls, {@link #IN_FLIGHT} at a time: each lane starts its next call when
   * the last one ended. Answers what failed.
   */
  private List<Throwable> closedLoop(int calls) throws InterruptedException {
    AtomicInteger started = new AtomicInteger();
    CountDownLatch lanesDone = new CountDownLatch(IN_FLIGHT);
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    for (int lane = 0; lane < IN_FLIGHT; lane++) {
      new Lane(calls, started, lanesDone, failures).next();
    }
    assertThat(lanesDone.await(2, TimeUnit.MINUTES)).as("every lane finished").isTrue();
    return List.copyOf(failures);
  }

  private final class Lane implements StreamObserver<byte[]> {
    private final int calls;
    private final AtomicInteger started;
    private final CountDownLatch done;
    private final ConcurrentLinkedQueue<Throwable> failures;

    Lane(int calls, AtomicInteger started, CountDownLatch done, ConcurrentLinkedQueue<Throwable> failures) {
      this.calls = calls;
      this.started = started;
      this.done = done;
      this.failures = failures;
    }

    void next() {
      if (started.incrementAndGet() > calls) {
        done.countDown();
        return;
      }
      ClientCalls.asyncUnaryCall(channel.newCall(RawMethods.unary(SERVICE),
          CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)), new byte[0], this);
    }

    @Override
    public void onNext(byte[] answer) {}

    @Override
    public void onError(Throwable failure) {
      failures.add(failure);
      next();
    }

    @Override
    public void onCompleted() {
      next();
    }
  }

  private ServerServiceDefinition backend(int index) {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(RawMethods.unary(SERVICE), ServerCalls.asyncUnaryCall((request, response) -> {
          served.incrementAndGet(index);
          if (index == SLOW) {
            later.schedule(() -> answer(response), 20, TimeUnit.MILLISECONDS);
          } else {
            answer(response);
          }
        }))
        .build();
  }

  private static void answer(StreamObserver<byte[]> response) {
    response.onNext(new byte[0]);
    response.onCompleted();
  }
}

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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bidi stream is balanced once, when it opens: while it runs, an endpoint joins the service,
 * another leaves, and finally its own endpoint leaves, and every message is still echoed by the
 * backend it started on, through to a normal end. New calls meanwhile follow the new set.
 */
class StreamStaysOnItsEndpointIT {

  private static final String SERVICE = "chat.Room";

  @TempDir Path dir;

  private final List<Server> backends = new ArrayList<>();
  /** Stream messages each backend echoed, and unary calls each served. */
  private final AtomicIntegerArray echoed = new AtomicIntegerArray(3);
  private final AtomicIntegerArray unary = new AtomicIntegerArray(3);
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
        default = "round-robin"
        """);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.address().getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
    for (Server backend : backends) {
      backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aBidiStreamStaysOnItsBackendWhileTheSetChanges() throws Exception {
    serve(0, 1);
    Replies replies = new Replies();
    StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(
        channel.newCall(RawMethods.bidi(SERVICE), CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)), replies);

    requests.onNext(new byte[] {1});
    byte[] first = replies.next();
    int home = first[0];
    int other = 1 - home;
    assertThat(first).containsExactly(home, 1);

    // A new endpoint registers: new calls reach it, round-robin over the three.
    serve(0, 1, 2);
    callEach(3);
    assertThat(unary.get(2)).as("calls to the endpoint that joined").isEqualTo(1);
    requests.onNext(new byte[] {2});
    assertThat(replies.next()).containsExactly(home, 2);

    // Another endpoint leaves: new calls stop reaching it.
    serve(home, 2);
    int otherBefore = unary.get(other);
    callEach(4);
    assertThat(unary.get(other)).as("calls to the endpoint that left").isEqualTo(otherBefore);
    requests.onNext(new byte[] {3});
    assertThat(replies.next()).containsExactly(home, 3);

    // Its own endpoint leaves: new calls go elsewhere, and the stream still runs to its end there.
    serve(2);
    int homeBefore = unary.get(home);
    callEach(2);
    assertThat(unary.get(home)).as("new calls to the stream's endpoint after it left").isEqualTo(homeBefore);
    requests.onNext(new byte[] {4});
    assertThat(replies.next()).containsExactly(home, 4);
    requests.onCompleted();

    assertThat(replies.end.get(30, TimeUnit.SECONDS)).as("the stream's end").isEqualTo("completed");
    assertThat(echoed.get(home)).isEqualTo(4);
    assertThat(echoed.get(other) + echoed.get(2)).isZero();
  }

  /** The service's endpoint set becomes these backends, as a registry would report it. */
  private void serve(int... indexes) {
    Set<Endpoint> endpoints = new LinkedHashSet<>();
    for (int index : indexes) {
      endpoints.add(Endpoint.of("127.0.0.1", backends.get(index).getPort()));
    }
    gateway.endpoints().sink("test").update(SERVICE, endpoints);
  }

  private void callEach(int calls) {
    for (int i = 0; i < calls; i++) {
      ClientCalls.blockingUnaryCall(channel, RawMethods.unary(SERVICE),
          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[0]);
    }
  }

  /** What the stream's client received: replies in order, then how it ended. */
  private static final class Replies implements StreamObserver<byte[]> {
    private final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    final CompletableFuture<String> end = new CompletableFuture<>();

    byte[] next() throws InterruptedException {
      byte[] reply = received.poll(10, TimeUnit.SECONDS);
      assertThat(reply).as("a reply within 10 s (stream ended: %s)", end.getNow("no")).isNotNull();
      return reply;
    }

    @Override
    public void onNext(byte[] reply) {
      received.add(reply);
    }

    @Override
    public void onError(Throwable failure) {
      end.complete(failure.toString());
    }

    @Override
    public void onCompleted() {
      end.complete("completed");
    }
  }

  /** Echoes each stream message prefixed with its own index, and counts unary calls. */
  private ServerServiceDefinition backend(int index) {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(RawMethods.unary(SERVICE), ServerCalls.asyncUnaryCall((request, response) -> {
          unary.incrementAndGet(index);
          response.onNext(new byte[0]);
          response.onCompleted();
        }))
        .addMethod(RawMethods.bidi(SERVICE), ServerCalls.asyncBidiStreamingCall(replies -> echoing(index, replies)))
        .build();
  }

  private StreamObserver<byte[]> echoing(int index, StreamObserver<byte[]> replies) {
    return new StreamObserver<>() {
      @Override
      public void onNext(byte[] message) {
        echoed.incrementAndGet(index);
        byte[] reply = new byte[message.length + 1];
        reply[0] = (byte) index;
        System.arraycopy(message, 0, reply, 1, message.length);
        replies.onNext(reply);
      }

      @Override
      public void onError(Throwable failure) {}

      @Override
      public void onCompleted() {
        replies.onCompleted();
      }
    };
  }
}

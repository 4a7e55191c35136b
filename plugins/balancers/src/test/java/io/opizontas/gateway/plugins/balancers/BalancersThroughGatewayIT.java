package io.opizontas.gateway.plugins.balancers;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.server.Gateway;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged balancers jar in a real gateway's plugins directory, chosen per service in
 * [balancing], in front of three real grpc-java backends.
 */
class BalancersThroughGatewayIT {

  private static final Metadata.Key<String> USER = Metadata.Key.of("x-user-id", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir Path dir;

  private final List<Server> backends = new ArrayList<>();
  /** Calls per "backend/service". */
  private final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
  private Gateway gateway;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    for (int i = 0; i < 3; i++) {
      int index = i;
      NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
      for (String service : List.of("shop.Cart", "shop.Stock")) {
        builder.addService(counting(index, service));
      }
      backends.add(builder.build().start());
    }
    gateway = GatewayWithBalancers.start(dir, """
        [[balancing.services]]
        pattern = "shop.Cart"
        strategy = "ring-hash"
        key = "x-user-id"

        [[balancing.services]]
        pattern = "shop.Stock"
        strategy = "weighted-round-robin"
        """);
    int[] weights = {5, 3, 1};
    Set<Endpoint> endpoints = new LinkedHashSet<>();
    for (int i = 0; i < 3; i++) {
      endpoints.add(new Endpoint("127.0.0.1", backends.get(i).getPort(), weights[i], "", Map.of()));
    }
    gateway.endpoints().sink("test").update("shop.Cart", endpoints);
    gateway.endpoints().sink("test").update("shop.Stock", endpoints);
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
  void ringHashKeepsEachUserOnOneBackend() {
    Map<String, Set<Integer>> backendsOfUser = new HashMap<>();
    for (int user = 0; user < 30; user++) {
      for (int call = 0; call < 4; call++) {
        int backend = call("shop.Cart", "user-" + user);
        backendsOfUser.computeIfAbsent("user-" + user, u -> new LinkedHashSet<>()).add(backend);
      }
    }

    assertThat(backendsOfUser.values()).allSatisfy(used -> assertThat(used).hasSize(1));
    assertThat(backendsOfUser.values().stream().map(used -> used.iterator().next()).distinct().count())
        .as("30 users spread over more than one backend").isGreaterThan(1);
  }

  @Test
  void smoothWeightedRoundRobinFollowsTheEndpointsWeights() {
    for (int i = 0; i < 90; i++) {
      call("shop.Stock", null);
    }

    assertThat(List.of(count(0, "shop.Stock"), count(1, "shop.Stock"), count(2, "shop.Stock")))
        .containsExactly(50, 30, 10);
  }

  /** One call; answers the index of the backend that served it. */
  private int call(String service, String user) {
    Metadata headers = new Metadata();
    if (user != null) {
      headers.put(USER, user);
    }
    Channel withUser = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    byte[] answer = ClientCalls.blockingUnaryCall(withUser, RawMethods.unary(service),
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[0]);
    return answer[0];
  }

  private int count(int backend, String service) {
    AtomicInteger count = served.get(backend + "/" + service);
    return count == null ? 0 : count.get();
  }

  private ServerServiceDefinition counting(int backend, String service) {
    return ServerServiceDefinition.builder(service)
        .addMethod(RawMethods.unary(service), ServerCalls.asyncUnaryCall((request, response) -> {
          served.computeIfAbsent(backend + "/" + service, k -> new AtomicInteger()).incrementAndGet();
          response.onNext(new byte[] {(byte) backend});
          response.onCompleted();
        }))
        .build();
  }
}

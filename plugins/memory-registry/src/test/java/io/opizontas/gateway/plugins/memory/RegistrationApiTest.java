package io.opizontas.gateway.plugins.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;


import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.api.testing.TestPluginContext;
import io.opizontas.gateway.config.RegistrationConfig;
import io.opizontas.gateway.config.RegistrationToken;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.discovery.ServiceEndpoints;
import io.opizontas.gateway.registration.RegistrationServer;
import io.opizontas.registry.v1.DeregisterRequest;
import io.opizontas.registry.v1.KeepAliveRequest;
import io.opizontas.registry.v1.KeepAliveResponse;
import io.opizontas.registry.v1.RegisterRequest;
import io.opizontas.registry.v1.RegisterResponse;
import io.opizontas.registry.v1.RegistryGrpc;
import io.opizontas.registry.v1.WatchRequest;
import io.opizontas.registry.v1.WatchResponse;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The registration API through a real grpc-java client, against the real registration server and
 * the real memory registry.
 */
class RegistrationApiTest {

  private static final String POST_TOKEN = "post-team-secret";
  private static final String ADMIN_TOKEN = "admin-secret";
  private static final InetSocketAddress GATEWAY_LISTENER = new InetSocketAddress("0.0.0.0", 45051);

  private final TestPluginContext context = new TestPluginContext("memory");
  private final EndpointTable table = new EndpointTable();
  private final MemoryRegistry registry = new MemoryRegistry();
  private RegistrationServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    registry.start(new TablePluginConfig("memory", Map.of()), context, table.sink("memory#0"));
    RegistrationConfig config =
        new RegistrationConfig(
            true,
            "memory",
            Duration.ofSeconds(1),
            List.of(
                new RegistrationToken(sha256(POST_TOKEN), List.of("post.*", "helloworld.Greeter")),
                new RegistrationToken(sha256(ADMIN_TOKEN), List.of("*"))));
    server = new RegistrationServer(config, registry, table, List.of(GATEWAY_LISTENER));
    Endpoint endpoint = server.start();
    channel = ManagedChannelBuilder.forAddress(endpoint.host(), endpoint.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    registry.close();
    context.close();
  }

  static String sha256(String token) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
  }

  private RegistryGrpc.RegistryBlockingStub blocking(String token) {
    return RegistryGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(token)))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private RegistryGrpc.RegistryStub async(String token) {
    return RegistryGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(token)));
  }

  private static Metadata bearer(String token) {
    Metadata metadata = new Metadata();
    if (token != null) {
      metadata.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    }
    return metadata;
  }

  private static RegisterRequest register(String host, int port, String... services) {
    return register(host, port, m -> {}, services);
  }

  private static RegisterRequest register(
      String host, int port, Consumer<io.opizontas.registry.v1.Endpoint.Builder> edit, String... services) {
    io.opizontas.registry.v1.Endpoint.Builder endpoint =
        io.opizontas.registry.v1.Endpoint.newBuilder().setHost(host).setPort(port);
    edit.accept(endpoint);
    return RegisterRequest.newBuilder().addAllServices(List.of(services)).setEndpoint(endpoint).build();
  }

  private List<Endpoint> endpoints(String service) {
    ServiceEndpoints found = table.lookup(service);
    return found == null ? List.of() : found.asList();
  }

  private double leases() {
    return context.metrics().gauge("memory_registry_leases");
  }

  @Test
  void registerThenDeregister() {
    RegisterResponse lease =
        blocking(POST_TOKEN)
            .register(
                register(
                    "10.1.2.3",
                    8080,
                    e -> e.setWeight(3).setZone("eu-1").putMetadata("version", "7"),
                    "post.PostService",
                    "helloworld.Greeter"));

    assertThat(lease.getLeaseId()).hasSize(32);
    assertThat(lease.getTtl().getSeconds()).isEqualTo(1);
    Endpoint expected = new Endpoint("10.1.2.3", 8080, 3, "eu-1", Map.of("version", "7"));
    assertThat(endpoints("post.PostService")).containsExactly(expected);
    assertThat(endpoints("helloworld.Greeter")).containsExactly(expected);
    // What the admin API lists: the lease's services and endpoint, its id shortened as the log has it.
    assertThat(server.leases().live())
        .singleElement()
        .satisfies(live -> {
          assertThat(live.id()).isEqualTo(lease.getLeaseId().substring(0, 6) + "…");
          assertThat(live.services()).containsExactlyInAnyOrder("post.PostService", "helloworld.Greeter");
          assertThat(live.endpoint()).isEqualTo("10.1.2.3:8080");
        });

    assertThat(
            blocking(POST_TOKEN)
                .deregister(DeregisterRequest.newBuilder().setLeaseId(lease.getLeaseId()).build())
                .getFound())
        .isTrue();
    assertThat(endpoints("post.PostService")).isEmpty();
    assertThat(server.leases().live()).isEmpty();
    assertThat(
            blocking(POST_TOKEN)
                .deregister(DeregisterRequest.newBuilder().setLeaseId(lease.getLeaseId()).build())
                .getFound())
        .isFalse();
  }

  @Test
  void keepAliveHoldsTheLeaseThenItLapses() throws Exception {
    RegisterResponse lease = blocking(POST_TOKEN).register(register("10.1.2.3", 8080, "post.PostService"));
    BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    StreamObserver<KeepAliveRequest> heartbeats = async(POST_TOKEN).keepAlive(collect(answers));
    KeepAliveRequest beat = KeepAliveRequest.newBuilder().addLeaseIds(lease.getLeaseId()).addLeaseIds("nope").build();

    long until = System.nanoTime() + Duration.ofMillis(2500).toNanos();
    await()
        .pollInterval(Duration.ofMillis(250))
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              heartbeats.onNext(beat);
              KeepAliveResponse answer = (KeepAliveResponse) answers.poll(5, TimeUnit.SECONDS);
              assertThat(answer.getLeases(0).getFound()).isTrue();
              assertThat(answer.getLeases(0).getTtl().getSeconds()).isEqualTo(1);
              assertThat(answer.getLeases(1).getLeaseId()).isEqualTo("nope");
              assertThat(answer.getLeases(1).getFound()).isFalse();
              assertThat(endpoints("post.PostService")).hasSize(1);
              return System.nanoTime() > until;
            });

    // Heartbeats stop: the lease lapses on its own and the endpoint leaves the table.
    await().atMost(Duration.ofSeconds(5)).until(() -> endpoints("post.PostService").isEmpty());
    heartbeats.onNext(KeepAliveRequest.newBuilder().addLeaseIds(lease.getLeaseId()).build());
    KeepAliveResponse lapsed = (KeepAliveResponse) answers.poll(5, TimeUnit.SECONDS);
    assertThat(lapsed.getLeases(0).getFound()).isFalse();
    heartbeats.onCompleted();
    assertThat(answers.poll(5, TimeUnit.SECONDS)).isEqualTo("completed");
  }

  @Test
  void watchSendsASnapshotThenChanges() {
    blocking(ADMIN_TOKEN).register(register("10.0.0.1", 1000, "post.PostService"));
    Iterator<WatchResponse> watch =
        blocking(POST_TOKEN)
            .watch(WatchRequest.newBuilder().addServices("post.PostService").addServices("post.Other").build());

    WatchResponse snapshot = watch.next();
    assertThat(snapshot.getSnapshot()).isTrue();
    assertThat(snapshot.getServicesList())
        .extracting(s -> s.getService() + "=" + s.getEndpointsCount())
        .containsExactly("post.PostService=1", "post.Other=0");

    RegisterResponse second = blocking(POST_TOKEN).register(register("10.0.0.2", 1000, "post.Other"));
    WatchResponse added = watch.next();
    assertThat(added.getSnapshot()).isFalse();
    assertThat(added.getServices(0).getService()).isEqualTo("post.Other");
    assertThat(added.getServices(0).getEndpoints(0).getHost()).isEqualTo("10.0.0.2");

    blocking(POST_TOKEN).register(register("10.0.0.9", 1000, "helloworld.Greeter")); // not watched
    blocking(POST_TOKEN).deregister(DeregisterRequest.newBuilder().setLeaseId(second.getLeaseId()).build());
    WatchResponse removed = watch.next();
    assertThat(removed.getServicesList()).hasSize(1);
    assertThat(removed.getServices(0).getService()).isEqualTo("post.Other");
    assertThat(removed.getServices(0).getEndpointsCount()).isZero();
  }

  @Test
  void duplicateRegistrationIsAnIdempotentUpdate() {
    RegisterResponse first = blocking(POST_TOKEN).register(register("10.0.0.1", 1000, "post.PostService"));
    RegisterResponse again =
        blocking(POST_TOKEN)
            .register(register("10.0.0.1", 1000, e -> e.putMetadata("v", "2"), "post.PostService"));

    assertThat(again.getLeaseId()).isEqualTo(first.getLeaseId());
    assertThat(endpoints("post.PostService"))
        .containsExactly(new Endpoint("10.0.0.1", 1000, 1, "", Map.of("v", "2")));
    assertThat(leases()).isEqualTo(1.0);
  }

  @Test
  void missingOrWrongTokensAreUnauthenticatedAndChangeNothing() {
    RegisterRequest request = register("10.0.0.1", 1000, "post.PostService");
    assertStatus(() -> blocking(null).register(request), Status.Code.UNAUTHENTICATED, "missing");
    assertStatus(() -> blocking("guess").register(request), Status.Code.UNAUTHENTICATED, "unknown");
    Metadata basic = new Metadata();
    basic.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Basic YTpi");
    assertStatus(
        () ->
            RegistryGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(basic))
                .register(request),
        Status.Code.UNAUTHENTICATED,
        "Bearer");
    assertStatus(
        () -> blocking("guess").watch(WatchRequest.newBuilder().addServices("post.PostService").build()).next(),
        Status.Code.UNAUTHENTICATED,
        "unknown");
    assertThat(table.lookup("post.PostService")).isNull();
    assertThat(leases()).isZero();
  }

  @Test
  void servicesOutsideTheTokensScopeArePermissionDeniedAndChangeNothing() {
    assertStatus(
        () -> blocking(POST_TOKEN).register(register("10.0.0.1", 1000, "post.PostService", "user.UserService")),
        Status.Code.PERMISSION_DENIED,
        "user.UserService");
    assertStatus(
        () -> blocking(ADMIN_TOKEN).register(register("10.0.0.1", 1000, RegistrationServer.SERVICE)),
        Status.Code.PERMISSION_DENIED,
        "served by the gateway itself");
    assertStatus(
        () -> blocking(ADMIN_TOKEN).register(register("10.0.0.1", 1000, "grpc.health.v1.Health")),
        Status.Code.PERMISSION_DENIED,
        "served by the gateway itself");
    assertStatus(
        () -> blocking(POST_TOKEN).watch(WatchRequest.newBuilder().addServices("user.UserService").build()).next(),
        Status.Code.PERMISSION_DENIED,
        "user.UserService");
    assertThat(table.lookup("post.PostService")).isNull();
    assertThat(leases()).isZero();
  }

  @Test
  void malformedRegistrationsAreInvalidAndChangeNothing() {
    RegistryGrpc.RegistryBlockingStub admin = blocking(ADMIN_TOKEN);
    assertStatus(() -> admin.register(register("10.0.0.1", 1000)), Status.Code.INVALID_ARGUMENT, "services is empty");
    assertStatus(() -> admin.register(register("", 1000, "svc.A")), Status.Code.INVALID_ARGUMENT, "host is empty");
    assertStatus(() -> admin.register(register(" ", 1000, "svc.A")), Status.Code.INVALID_ARGUMENT, "host is empty");
    assertStatus(() -> admin.register(register("10.0.0.1", 0, "svc.A")), Status.Code.INVALID_ARGUMENT, "port 0");
    assertStatus(() -> admin.register(register("10.0.0.1", 70000, "svc.A")), Status.Code.INVALID_ARGUMENT, "port 70000");
    assertStatus(() -> admin.register(register("10.0.0.1", 1000, "svc/A")), Status.Code.INVALID_ARGUMENT, "svc/A");
    assertStatus(() -> admin.register(register("10.0.0.1", 1000, "")), Status.Code.INVALID_ARGUMENT, "not a gRPC service name");
    assertStatus(
        () -> admin.register(RegisterRequest.newBuilder().addServices("svc.A").build()),
        Status.Code.INVALID_ARGUMENT,
        "host is empty");
    // The gateway's own listener (bound to every interface): each spelling of it would loop.
    for (String self : List.of("127.0.0.1", "127.1", "2130706433", "localhost", "0.0.0.0", "::1", "[::1]")) {
      assertStatus(
          () -> admin.register(register(self, GATEWAY_LISTENER.getPort(), "svc.A")),
          Status.Code.INVALID_ARGUMENT,
          "gateway's own listener (0.0.0.0:" + GATEWAY_LISTENER.getPort() + ")");
    }
    assertStatus(
        () -> admin.register(register("[::1]", GATEWAY_LISTENER.getPort(), "svc.A")),
        Status.Code.INVALID_ARGUMENT,
        "endpoint [::1]:" + GATEWAY_LISTENER.getPort() + " is");
    assertStatus(
        () -> admin.watch(WatchRequest.getDefaultInstance()).next(), Status.Code.INVALID_ARGUMENT, "services is empty");
    assertThat(table.lookup("svc.A")).isNull();
    assertThat(leases()).isZero();

    // A different port on the same host is an ordinary backend.
    admin.register(register("127.0.0.1", GATEWAY_LISTENER.getPort() + 1, "svc.A"));
    assertThat(endpoints("svc.A")).hasSize(1);
  }

  @Test
  void keepAliveAndDeregisterOfALeaseOutsideTheTokensScopeAreDeniedAndChangeNothing() throws Exception {
    RegisterResponse theirs = blocking(ADMIN_TOKEN).register(register("10.0.0.9", 9000, "user.UserService"));
    RegisterResponse mine = blocking(POST_TOKEN).register(register("10.0.0.8", 8000, "post.PostService"));

    assertStatus(
        () -> blocking(POST_TOKEN).deregister(DeregisterRequest.newBuilder().setLeaseId(theirs.getLeaseId()).build()),
        Status.Code.PERMISSION_DENIED,
        "user.UserService");
    assertThat(endpoints("user.UserService")).containsExactly(Endpoint.of("10.0.0.9", 9000));

    // One foreign lease in a keep-alive refuses the whole request: not even the caller's own is renewed.
    BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    StreamObserver<KeepAliveRequest> heartbeats = async(POST_TOKEN).keepAlive(collect(answers));
    heartbeats.onNext(KeepAliveRequest.newBuilder().addLeaseIds(mine.getLeaseId()).addLeaseIds(theirs.getLeaseId()).build());
    Object answer = answers.poll(5, TimeUnit.SECONDS);
    assertThat(answer).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(e.getStatus().getDescription()).contains("user.UserService");
    });

    // The owner's token still may.
    assertThat(blocking(ADMIN_TOKEN).deregister(
        DeregisterRequest.newBuilder().setLeaseId(theirs.getLeaseId()).build()).getFound()).isTrue();
    assertThat(endpoints("user.UserService")).isEmpty();
  }

  @Test
  void registrationsDeregistrationsAndExpiriesAreLoggedWithTheTtlAsTheConfigSpellsIt() {
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    List<Logger> loggers = List.of(
        (Logger) LoggerFactory.getLogger("io.opizontas.gateway.registration"),
        (Logger) context.logger());
    loggers.forEach(logger -> logger.addAppender(logged));
    try {
      RegisterResponse ended = blocking(ADMIN_TOKEN).register(register("10.0.0.5", 5000, "svc.A"));
      blocking(ADMIN_TOKEN).deregister(DeregisterRequest.newBuilder().setLeaseId(ended.getLeaseId()).build());
      blocking(ADMIN_TOKEN).register(register("10.0.0.6", 6000, "svc.B"));
      await().atMost(Duration.ofSeconds(5)).until(() -> endpoints("svc.B").isEmpty());

      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
          logged.list.stream().filter(e -> e.getLevel() == Level.INFO).map(ILoggingEvent::getFormattedMessage))
          .anySatisfy(m -> assertThat(m).contains("registered [svc.A] at 10.0.0.5:5000").contains("ttl 1s"))
          .anySatisfy(m -> assertThat(m).contains("deregistered [svc.A]"))
          .anySatisfy(m -> assertThat(m).contains("[svc.B] at 10.0.0.6:6000 expired"))
          .noneSatisfy(m -> assertThat(m).contains("PT")));
    } finally {
      loggers.forEach(logger -> logger.detachAppender(logged));
    }
  }

  @Test
  void aKeepAliveStreamWithABadTokenIsUnauthenticated() throws Exception {
    BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    StreamObserver<KeepAliveRequest> heartbeats = async("guess").keepAlive(collect(answers));
    heartbeats.onNext(KeepAliveRequest.newBuilder().addLeaseIds("x").build());
    Object answer = answers.poll(5, TimeUnit.SECONDS);
    assertThat(answer).isInstanceOf(StatusRuntimeException.class);
    assertThat(((StatusRuntimeException) answer).getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  private static <T> StreamObserver<T> collect(BlockingQueue<Object> into) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        into.add(value);
      }

      @Override
      public void onError(Throwable t) {
        into.add(t);
      }

      @Override
      public void onCompleted() {
        into.add("completed");
      }
    };
  }

  private static void assertStatus(Runnable call, Status.Code code, String message) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).contains(message);
            });
  }
}

package io.opizontas.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.opizontas.gateway.auth.BearerTokens;
import io.opizontas.gateway.config.AdminConfig;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.config.PluginsConfig;
import io.opizontas.gateway.config.RegistrationConfig;
import io.opizontas.gateway.config.RegistrationToken;
import io.opizontas.gateway.testing.PrometheusText;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.ExamplePlugin;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.TestGateways;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API on a running gateway, called over HTTP as curl or the status page calls it. */
class AdminApiTest {

  private static final String TOKEN = "admin-secret";
  private static final String BEARER = "Bearer " + TOKEN;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path plugins;

  private static AdminConfig admin(String... tokens) {
    return new AdminConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)),
        Arrays.stream(tokens).map(BearerTokens::sha256).toList());
  }

  @Test
  void readsAndActionsNeedTheTokenOnceOneIsConfigured() throws Exception {
    try (GrpcBackend backend = GrpcBackend.of(() -> new ByteService().definition());
        Gateway gateway = TestGateways.route(Gateway.start(TestGateways.config().withAdmin(admin(TOKEN))),
            Map.of(ByteService.SERVICE, List.of(backend.endpoint())))) {
      InetSocketAddress at = gateway.adminAddress();
      String drain = "/api/endpoints/drain?endpoint=" + backend.endpoint().address();

      for (String read : List.of("/api/services", "/api/leases", "/api/plugins", "/api/config")) {
        assertThat(AdminHttp.get(at, read, null).statusCode()).as(read).isEqualTo(401);
        assertThat(AdminHttp.get(at, read, "Bearer wrong").statusCode()).as(read).isEqualTo(401);
        assertThat(AdminHttp.get(at, read, BEARER).statusCode()).as(read).isEqualTo(200);
      }
      for (String action : List.of(drain, "/api/endpoints/undrain?endpoint=x:1", "/api/endpoints/probe")) {
        HttpResponse<String> refused = AdminHttp.post(at, action, null);
        assertThat(refused.statusCode()).as(action).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(AdminHttp.post(at, action, "Bearer wrong").statusCode()).as(action).isEqualTo(401);
      }
      assertThat(AdminHttp.get(gateway.adminAddress(), drain, BEARER).statusCode())
          .as("an action is never a GET").isEqualTo(405);
      assertThat(state(gateway, backend.endpoint().address())).isEqualTo("routable");

      assertThat(AdminHttp.post(at, drain, BEARER).statusCode()).isEqualTo(200);
      assertThat(state(gateway, backend.endpoint().address())).isEqualTo("drained");
      // The page itself holds no data: it loads without the token and asks for it.
      assertThat(AdminHttp.get(at, "/", null).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void withoutAnyTokenReadsAreOpenAndActionsRefused() throws Exception {
    try (GrpcBackend backend = GrpcBackend.of(() -> new ByteService().definition());
        Gateway gateway = TestGateways.route(Gateway.start(TestGateways.config().withAdmin(admin())),
            Map.of(ByteService.SERVICE, List.of(backend.endpoint())))) {
      assertThat(AdminHttp.get(gateway.adminAddress(), "/api/services", null).statusCode()).isEqualTo(200);
      HttpResponse<String> drain = AdminHttp.post(gateway.adminAddress(),
          "/api/endpoints/drain?endpoint=" + backend.endpoint().address(), null);
      assertThat(drain.statusCode()).isEqualTo(403);
      assertThat(drain.body()).contains("no admin token is configured");
      assertThat(state(gateway, backend.endpoint().address())).isEqualTo("routable");
    }
  }

  @Test
  void drainTakesAnEndpointOutOfNewCallsWhileAStreamOnItCompletes() throws Exception {
    CallCounter countA = new CallCounter();
    CallCounter countB = new CallCounter();
    try (GrpcBackend a = GrpcBackend.start(b -> b.addService(
            ServerInterceptors.intercept(new ByteService().definition(), countA)), null);
        GrpcBackend b = GrpcBackend.start(builder -> builder.addService(
            ServerInterceptors.intercept(new ByteService().definition(), countB)), null);
        Gateway gateway = TestGateways.route(Gateway.start(TestGateways.config().withAdmin(admin(TOKEN))),
            Map.of(ByteService.SERVICE, List.of(a.endpoint(), b.endpoint())))) {
      ManagedChannel channel = TestGateways.channel(gateway);
      try {
        // A bidi stream, answered once so that it is known to run on its backend.
        BlockingQueue<byte[]> echoes = new LinkedBlockingQueue<>();
        CompletableFuture<Status> streamEnd = new CompletableFuture<>();
        StreamObserver<byte[]> stream = ClientCalls.asyncBidiStreamingCall(
            channel.newCall(ByteService.CHAT, CallOptions.DEFAULT), new StreamObserver<>() {
              @Override
              public void onNext(byte[] value) {
                echoes.add(value);
              }

              @Override
              public void onError(Throwable t) {
                streamEnd.complete(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                streamEnd.complete(Status.OK);
              }
            });
        stream.onNext(bytes("before the drain"));
        assertThat(echoes.poll(10, TimeUnit.SECONDS)).isEqualTo(bytes("before the drain"));
        boolean onA = countA.calls(ByteService.CHAT) == 1;
        GrpcBackend drained = onA ? a : b;
        CallCounter drainedCount = onA ? countA : countB;
        CallCounter otherCount = onA ? countB : countA;

        HttpResponse<String> drain = AdminHttp.post(gateway.adminAddress(),
            "/api/endpoints/drain?endpoint=" + drained.endpoint().address(), BEARER);
        assertThat(drain.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(drain.body()).path("services").toString()).isEqualTo("[\"test.Bytes\"]");

        for (int i = 0; i < 10; i++) {
          ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT
              .withDeadlineAfter(10, TimeUnit.SECONDS), bytes("new call " + i));
        }
        assertThat(drainedCount.calls(ByteService.ECHO)).as("new calls to the drained endpoint").isZero();
        assertThat(otherCount.calls(ByteService.ECHO)).isEqualTo(10);

        // The stream on the drained endpoint goes on and ends well.
        stream.onNext(bytes("after the drain"));
        assertThat(echoes.poll(10, TimeUnit.SECONDS)).isEqualTo(bytes("after the drain"));
        stream.onCompleted();
        assertThat(streamEnd.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);

        String address = drained.endpoint().address();
        assertThat(state(gateway, address)).isEqualTo("drained");
        assertThat(PrometheusText.parse(AdminHttp.get(gateway.adminAddress(), "/metrics", BEARER).body()).value(
            "opizontas_endpoint_state", "service", ByteService.SERVICE, "endpoint", address, "state", "drained"))
            .isEqualTo(1.0);

        assertThat(AdminHttp.post(gateway.adminAddress(), "/api/endpoints/undrain?endpoint=" + address, BEARER)
            .statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT
              .withDeadlineAfter(10, TimeUnit.SECONDS), bytes("undrained"));
          assertThat(drainedCount.calls(ByteService.ECHO)).isPositive();
        });
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void anUnknownEndpointOrAMissingOneIsSaidSo() throws Exception {
    try (Gateway gateway = Gateway.start(TestGateways.config().withAdmin(admin(TOKEN)))) {
      HttpResponse<String> unknown =
          AdminHttp.post(gateway.adminAddress(), "/api/endpoints/drain?endpoint=10.9.9.9:1", BEARER);
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(unknown.body()).contains("no service has an endpoint at 10.9.9.9:1");
      assertThat(AdminHttp.post(gateway.adminAddress(), "/api/endpoints/drain", BEARER).statusCode()).isEqualTo(400);
      HttpResponse<String> probe = AdminHttp.post(gateway.adminAddress(), "/api/endpoints/probe", BEARER);
      assertThat(probe.statusCode()).isEqualTo(409);
      assertThat(probe.body()).contains("[health] names no prober");
    }
  }

  @Test
  void theJsonListsServicesEndpointsPluginsLeasesAndTheConfigurationWithoutSecrets() throws Exception {
    ExamplePlugin.install(plugins);
    String registrationHash = BearerTokens.sha256("registration-secret");
    GatewayConfig base = TestGateways.config();
    GatewayConfig config = base.withPlugins(new PluginsConfig(plugins))
        .withChain(List.of(new PluginSection(ExamplePlugin.ID, Map.of("greeting", "hi"), "test")))
        .withRegistration(new RegistrationConfig(false, "memory", Duration.ofSeconds(30),
            List.of(new RegistrationToken(registrationHash, List.of("post.*")))))
        .withAdmin(admin(TOKEN));
    try (GrpcBackend backend = GrpcBackend.of(() -> new ByteService().definition());
        Gateway gateway = TestGateways.route(Gateway.start(config),
            Map.of(ByteService.SERVICE, List.of(backend.endpoint())))) {
      ManagedChannel channel = TestGateways.channel(gateway);
      try {
        ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, bytes("one"));
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }

      JsonNode services = read(gateway, "/api/services");
      assertThat(services.path("time_millis").asLong()).isPositive();
      JsonNode bytes = service(services, ByteService.SERVICE);
      assertThat(bytes.path("state").asText()).isEqualTo("healthy");
      assertThat(bytes.path("internal").asBoolean()).isFalse();
      assertThat(bytes.path("calls").path("finished").asLong()).isEqualTo(1);
      assertThat(bytes.path("calls").path("failed").asLong()).isZero();
      JsonNode endpoint = bytes.path("endpoints").get(0);
      assertThat(endpoint.path("address").asText()).isEqualTo(backend.endpoint().address());
      assertThat(endpoint.path("sources").toString()).isEqualTo("[\"test\"]");
      assertThat(endpoint.path("weight").asInt()).isEqualTo(1);
      assertThat(endpoint.path("zone").asText()).isEmpty();
      assertThat(endpoint.path("state").asText()).isEqualTo("routable");
      assertThat(endpoint.has("in_flight")).isTrue();
      assertThat(service(services, "grpc.health.v1.Health").path("internal").asBoolean()).isTrue();

      JsonNode loaded = read(gateway, "/api/plugins").path("plugins");
      assertThat(loaded).hasSize(1);
      assertThat(loaded.get(0).path("id").asText()).isEqualTo(ExamplePlugin.ID);
      assertThat(loaded.get(0).path("version").asText()).isNotBlank();
      assertThat(loaded.get(0).path("extensions").get(0).path("point").asText()).isEqualTo("CallFilter");
      assertThat(loaded.get(0).path("extensions").get(0).path("id").asText()).isEqualTo(ExamplePlugin.ID);

      assertThat(read(gateway, "/api/leases").path("leases").isArray()).isTrue();

      String configBody = AdminHttp.get(gateway.adminAddress(), "/api/config", BEARER).body();
      JsonNode effective = JSON.readTree(configBody);
      assertThat(effective.path("server").path("listen").asText()).startsWith("127.0.0.1:");
      assertThat(effective.path("upstream").path("connect_timeout").asText()).isNotBlank();
      assertThat(effective.path("chain").get(0).path("settings").path("greeting").asText()).isEqualTo("hi");
      assertThat(effective.path("registration").path("tokens").get(0).path("services").toString())
          .isEqualTo("[\"post.*\"]");
      assertThat(effective.path("registration").path("tokens").get(0).path("sha256").asText())
          .isEqualTo(AdminJson.REDACTED);
      assertThat(effective.path("admin").path("token_sha256s").get(0).asText()).isEqualTo(AdminJson.REDACTED);
      assertThat(configBody).doesNotContain(registrationHash).doesNotContain(BearerTokens.sha256(TOKEN));
    }
  }

  @Test
  void pluginSettingsThatLookSecretAreRedactedWhereverTheyAre() {
    GatewayConfig base = TestGateways.config();
    PluginSection consul = new PluginSection("consul", Map.of(
        "address", "http://consul:8500",
        "token", "consul-acl-secret",
        "tls", Map.of("key_password_env", "KEY_PASSWORD", "cert", "conf/tls/c.pem"),
        "api_keys", List.of("k1", "k2")), "gateway.toml:3");
    GatewayConfig config = base.withRegistries(List.of(consul));

    String json = AdminJson.redacted(config).toString();

    assertThat(json).doesNotContain("consul-acl-secret").doesNotContain("KEY_PASSWORD")
        .doesNotContain("\"k1\"").contains("http://consul:8500").contains("conf/tls/c.pem")
        .contains("\"origin\":\"gateway.toml:3\"");
  }

  private static JsonNode read(Gateway gateway, String path) throws Exception {
    HttpResponse<String> response = AdminHttp.get(gateway.adminAddress(), path, BEARER);
    assertThat(response.statusCode()).as(path).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    return JSON.readTree(response.body());
  }

  private static JsonNode service(JsonNode services, String name) {
    for (JsonNode service : services.path("services")) {
      if (service.path("name").asText().equals(name)) {
        return service;
      }
    }
    throw new AssertionError("no service " + name + " in " + services);
  }

  private static String state(Gateway gateway, String address) throws Exception {
    for (JsonNode endpoint : service(read(gateway, "/api/services"), ByteService.SERVICE).path("endpoints")) {
      if (endpoint.path("address").asText().equals(address)) {
        return endpoint.path("state").asText();
      }
    }
    throw new AssertionError("no endpoint " + address);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Counts the calls a backend receives, by method. */
  private static final class CallCounter implements ServerInterceptor {
    private final Map<String, AtomicInteger> byMethod = new ConcurrentHashMap<>();

    int calls(MethodDescriptor<?, ?> method) {
      return byMethod.getOrDefault(method.getFullMethodName(), new AtomicInteger()).get();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      byMethod.computeIfAbsent(call.getMethodDescriptor().getFullMethodName(), m -> new AtomicInteger())
          .incrementAndGet();
      return next.startCall(call, headers);
    }
  }
}

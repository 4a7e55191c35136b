package io.opizontas.gateway.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opizontas.gateway.admin.AdminHttp;
import io.opizontas.gateway.cli.RawBytes;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.plugin.fixtures.FailingStartFilter;
import io.opizontas.gateway.plugin.fixtures.FirstEndpointStrategy;
import io.opizontas.gateway.plugin.fixtures.Gate;
import io.opizontas.gateway.plugin.fixtures.SlowEndFilter;
import io.opizontas.gateway.plugin.fixtures.StampFilter;
import io.opizontas.gateway.plugin.fixtures.StaticRegistry;
import io.opizontas.gateway.plugin.fixtures.ThrowingProber;
import io.opizontas.gateway.server.ConfigReload;
import io.opizontas.gateway.server.ConfigWatch;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.server.ReloadOutcome;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.PrometheusText;
import io.opizontas.gateway.testing.TestGateways;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Configuration reloads of a real gateway, started from a TOML file like {@code opizontas run
 * --config}, with real grpc-java backends and clients: the chain, the balancing and the routes
 * change for new calls while a stream in flight finishes with what it started with; a reload that
 * cannot be applied changes nothing and says why; settings that need a restart are named and kept.
 */
class ReloadThroughGatewayTest {

  private static final String ADDED_SERVICE = "added.Bytes";
  private static final MethodDescriptor<byte[], byte[]> ADDED_ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName(ADDED_SERVICE, "Echo"))
      .setRequestMarshaller(RawBytes.INSTANCE)
      .setResponseMarshaller(RawBytes.INSTANCE)
      .build();
  private static final Metadata.Key<String> STAMP = Metadata.Key.of("x-stamp", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir Path dir;

  private final List<GrpcBackend> backends = new ArrayList<>();
  /** "backend index: x-stamp" of every call a backend received, in order. */
  private final Queue<String> received = new ConcurrentLinkedQueue<>();
  private final Logger reloadLog = (Logger) LoggerFactory.getLogger(ConfigReload.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private Path plugins;
  private Path toml;
  private Gateway gateway;
  private ConfigReload reload;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    logged.start();
    reloadLog.addAppender(logged);
    plugins = Files.createDirectories(dir.resolve("plugins"));
    PluginJar.id("reload-test").extension(StampFilter.class).extension(FirstEndpointStrategy.class)
        .extension(StaticRegistry.class).extension(ThrowingProber.class).writeTo(plugins);
    PluginJar.id("failing-filter").extension(FailingStartFilter.class).writeTo(plugins);
    PluginJar.id("slow-end").requires(">=0.1.1").extension(SlowEndFilter.class).writeTo(plugins);
    Gate.reset();
    for (int i = 0; i < 2; i++) {
      int index = i;
      backends.add(GrpcBackend.start(builder -> builder
          .addService(ServerInterceptors.intercept(new ByteService().definition(), recording(index)))
          .addService(ServerInterceptors.intercept(added(), recording(index))), null));
    }
    toml = dir.resolve("gateway.toml");
    Files.writeString(toml, configuration("one", "round-robin", ""));
    gateway = Gateway.start(GatewayConfigReader.read(toml));
    reload = new ConfigReload(gateway, toml, UnaryOperator.identity());
    channel = TestGateways.channel(gateway);
  }

  @AfterEach
  void stop() throws Exception {
    reloadLog.detachAppender(logged);
    Gate.open();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
    for (GrpcBackend backend : backends) {
      backend.close();
    }
  }

  /**
   * The gateway's file: both backends serve test.Bytes through the test jar's registry, the chain
   * stamps calls with {@code stamp} (and leaves a marker file named after it when closed), and
   * {@code strategy} balances. {@code more} is appended as written.
   */
  private String configuration(String stamp, String strategy, String more) {
    return """
        [server]
        listen = "127.0.0.1:0"
        drain_timeout = "10s"

        [plugins]
        directory = "%s"

        [registration]
        enabled = false

        [admin]
        listen = "127.0.0.1:0"

        [[registries]]
        plugin = "reload-test"
        services."test.Bytes" = ["%s", "%s"]

        [[chain]]
        plugin = "reload-test"
        value = "%s"
        closed_marker = "%s"

        [balancing]
        default = "%s"
        %s""".formatted(plugins, backends.get(0).endpoint().address(), backends.get(1).endpoint().address(), stamp,
        closedMarker(stamp), strategy, more);
  }

  private Path closedMarker(String stamp) {
    return dir.resolve(stamp + "-closed");
  }

  @Test
  void aStreamStartedBeforeTheReloadFinishesWithItsChainWhileNewCallsGetTheNewChainAndBalancing() throws Exception {
    Chat chat = new Chat();
    assertThat(chat.say("before")).isEqualTo("before");
    String streamBackend = received.poll();
    assertThat(streamBackend).endsWith(": one");
    assertThat(servedBy(4, "one")).containsExactly(2, 2);

    Files.writeString(toml, configuration("two", "first", ""));
    ReloadOutcome outcome = reload.reload();

    assertThat(outcome.applied()).as(outcome.reason()).isTrue();
    assertThat(outcome.restartNeeded()).isEmpty();
    // The stream goes on over the same backend, and the chain it started with is still open.
    assertThat(chat.say("after")).isEqualTo("after");
    assertThat(closedMarker("one")).doesNotExist();
    // New calls: the new chain stamps them, the new strategy sends every one to the first backend.
    assertThat(servedBy(6, "two")).containsExactlyInAnyOrder(6, 0);
    assertThat(chat.end()).isEqualTo(Status.Code.OK);
    // The replaced chain is closed once the last call that started with it is over; the new one stays.
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(closedMarker("one")));
    assertThat(closedMarker("two")).doesNotExist();
    assertThat(messages()).anyMatch(line -> line.startsWith("Configuration reloaded from " + toml));
  }

  @Test
  void aReplacedChainIsClosedOnlyAfterTheEndHooksOfItsCallsReturned() throws Exception {
    Files.writeString(toml, configuration("slow", "round-robin", "[[chain]]\nplugin = \"slow-end\"\n"));
    assertThat(reload.reload().applied()).isTrue();
    assertThat(oneCall()).isEqualTo(Status.Code.OK);
    // The call is over and its stream closed; its end hook runs, blocked, on the filters pool.
    assertThat(Gate.awaitBlocked(Duration.ofSeconds(5))).isTrue();

    Files.writeString(toml, configuration("two", "round-robin", ""));
    assertThat(reload.reload().applied()).isTrue();

    // No call of the replaced chain is open, but its end hook still runs: the chain stays open.
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
        .until(() -> !Files.exists(closedMarker("slow")) && !Gate.threads().containsKey("closed while an end hook ran"));
    Gate.open();
    await().atMost(Duration.ofSeconds(5)).until(() -> Gate.threads().keySet().stream().anyMatch(k -> k.startsWith("closed")));
    assertThat(Gate.threads()).containsKey("closed").doesNotContainKey("closed while an end hook ran");
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(closedMarker("slow")));
    assertThat(servedBy(2, "two")).containsExactly(1, 1);
  }

  @Test
  void invalidTomlChangesNothingAndTheLogSaysWhereAndWhy() throws Exception {
    Files.writeString(toml, configuration("two", "first", "zone = \n"));

    ReloadOutcome outcome = reload.reload();

    assertThat(outcome.applied()).isFalse();
    assertThat(outcome.reason()).isEqualTo(toml + ":25: balancing.zone: invalid TOML: Newline not permitted here");
    assertThat(messages()).contains(
        "Configuration reload from " + toml + " refused, nothing changed: " + outcome.reason());
    assertUnchanged();
  }

  @Test
  void anUnknownStrategyChangesNothingAndIsNamedWithItsKey() throws Exception {
    Files.writeString(toml, configuration("two", "no-such-strategy", ""));

    ReloadOutcome outcome = reload.reload();

    assertThat(outcome.applied()).isFalse();
    assertThat(outcome.reason()).startsWith(toml + ":24: balancing.default: no installed plugin contributes the"
        + " balancing strategy 'no-such-strategy'");
    // The chain of the refused configuration had started: it is closed again.
    assertThat(closedMarker("two")).exists();
    assertUnchanged();
  }

  @Test
  void aPluginWhoseStartThrowsFailsTheWholeReload() throws Exception {
    Files.writeString(toml, configuration("two", "first", """

        [[chain]]
        plugin = "failing-filter"
        """));

    ReloadOutcome outcome = reload.reload();

    assertThat(outcome.applied()).isFalse();
    assertThat(outcome.reason()).isEqualTo("plugin 'failing-filter' (" + toml + ":26): failed to start: cannot reach"
        + " the token service at 10.0.0.1:443");
    assertThat(closedMarker("two")).exists();
    assertUnchanged();
  }

  @Test
  void everyReloadCountsInTheMetricsByItsResult() throws Exception {
    Files.writeString(toml, configuration("two", "round-robin", ""));
    assertThat(reload.reload().applied()).isTrue();
    Files.writeString(toml, "[server\n");
    assertThat(reload.reload().applied()).isFalse();

    HttpResponse<String> response = AdminHttp.get(gateway.adminAddress(), "/metrics", null);
    PrometheusText metrics = PrometheusText.parse(response.body());
    assertThat(metrics.value("opizontas_config_reloads_total", "result", "ok")).isEqualTo(1);
    assertThat(metrics.value("opizontas_config_reloads_total", "result", "failed")).isEqualTo(1);
  }

  @Test
  void aReloadThatAddsAStaticServiceRoutesItWithinASecond() throws Exception {
    assertThat(catchThrowableOfType(StatusRuntimeException.class, this::callAdded).getStatus().getCode())
        .isEqualTo(Status.Code.UNIMPLEMENTED);
    Files.writeString(toml, configuration("one", "round-robin", """

        [[registries]]
        plugin = "reload-test"
        services."%s" = ["%s"]
        """.formatted(ADDED_SERVICE, backends.get(1).endpoint().address())));

    long start = System.nanoTime();
    assertThat(reload.reload().applied()).isTrue();

    await().atMost(Duration.ofSeconds(1).minusNanos(System.nanoTime() - start)).pollInterval(Duration.ofMillis(10))
        .ignoreExceptions().until(() -> callAdded().length == 1);
    // The entry that did not change kept its backend and its routes.
    assertThat(servedBy(4, "one")).containsExactly(2, 2);
  }

  @Test
  void aReloadThatChangesARegistryWithdrawsWhatTheReplacedOneReported() throws Exception {
    String second = backends.get(1).endpoint().address();
    Files.writeString(toml, configuration("one", "round-robin", "")
        .replaceFirst("\\[\"[^\"]+\", \"[^\"]+\"\\]", "[\"" + second + "\"]"));

    assertThat(reload.reload().applied()).isTrue();

    assertThat(servedBy(4, "one")).containsExactly(0, 4);
  }

  @Test
  void reloadsStartAndStopProbingAndTheEndpointsTheProbesTookOutComeBack() throws Exception {
    Files.writeString(toml, configuration("one", "round-robin", """

        [health]
        prober = "throwing"
        interval = "100ms"
        timeout = "50ms"
        unhealthy_threshold = 1
        """));
    assertThat(reload.reload().applied()).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> oneCall() == Status.Code.UNAVAILABLE);

    Files.writeString(toml, configuration("one", "round-robin", ""));
    assertThat(reload.reload().applied()).isTrue();

    // Nothing probes test.Bytes any more: both endpoints take calls again at once.
    assertThat(servedBy(4, "one")).containsExactly(2, 2);
  }

  @Test
  void settingsThatNeedARestartAreNamedWithTheirLineAndKeepTheirValue() throws Exception {
    Files.writeString(toml, configuration("two", "round-robin", "").replaceFirst("127\\.0\\.0\\.1:0", "127.0.0.1:1")
        .replace("enabled = false", "enabled = false\nlease_ttl = \"9s\""));

    ReloadOutcome outcome = reload.reload();

    assertThat(outcome.applied()).as(outcome.reason()).isTrue();
    assertThat(outcome.restartNeeded())
        .containsExactly("server.listen (" + toml + ":2)", "registration.lease_ttl (" + toml + ":10)");
    assertThat(messages()).contains("Configuration reload: needs a restart: server.listen (" + toml + ":2); the"
        + " running value stays until then");
    // Still on the first address, which the channel dials; the rest of the file applies.
    assertThat(servedBy(2, "two")).containsExactly(1, 1);
    assertThat(gateway.config().server().listen().getPort()).isZero();
  }

  @Test
  void theWatchReloadsOnceTheFileChanged() throws Exception {
    BlockingQueue<ReloadOutcome> outcomes = new LinkedBlockingQueue<>();
    reload.subscribe(outcomes::add);
    try (ConfigWatch watch = ConfigWatch.start(reload, Duration.ofMillis(50))) {
      Files.writeString(toml, configuration("two", "round-robin", ""));

      ReloadOutcome outcome = outcomes.poll(5, TimeUnit.SECONDS);
      assertThat(outcome).isNotNull();
      assertThat(outcome.applied()).as(outcome.reason()).isTrue();
      assertThat(servedBy(2, "two")).containsExactly(1, 1);
    }
    // One change, one reload.
    assertThat(outcomes).isEmpty();
  }

  /** Calls go on as before the refused reload: the first chain, round-robin, the first chain open. */
  private void assertUnchanged() {
    assertThat(servedBy(4, "one")).containsExactly(2, 2);
    assertThat(closedMarker("one")).doesNotExist();
    assertThat(gateway.config().chain().get(0).settings()).containsEntry("value", "one");
  }

  /**
   * Makes {@code calls} unary calls and returns how many each backend served, after checking every
   * one reached it stamped {@code stamp}.
   */
  private List<Integer> servedBy(int calls, String stamp) {
    received.clear();
    for (int i = 0; i < calls; i++) {
      ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
          new byte[] {1});
    }
    List<String> seen = List.copyOf(received);
    assertThat(seen).hasSize(calls).allMatch(line -> line.endsWith(": " + stamp));
    Map<String, Long> byBackend = seen.stream().collect(Collectors.groupingBy(line -> line.split(":")[0],
        Collectors.counting()));
    return List.of(byBackend.getOrDefault("0", 0L).intValue(), byBackend.getOrDefault("1", 0L).intValue());
  }

  private Status.Code oneCall() {
    try {
      ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
          new byte[] {1});
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private byte[] callAdded() {
    return ClientCalls.blockingUnaryCall(channel, ADDED_ECHO, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
        new byte[] {7});
  }

  private List<String> messages() {
    return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  private ServerInterceptor recording(int backend) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        received.add(backend + ": " + headers.get(STAMP));
        return next.startCall(call, headers);
      }
    };
  }

  private static ServerServiceDefinition added() {
    return ServerServiceDefinition.builder(ADDED_SERVICE)
        .addMethod(ADDED_ECHO, ServerCalls.asyncUnaryCall((request, response) -> {
          response.onNext(request);
          response.onCompleted();
        }))
        .build();
  }

  /** A bidi Chat call through the gateway: one message out, its echo back, in turn. */
  private final class Chat {
    private final BlockingQueue<byte[]> echoes = new LinkedBlockingQueue<>();
    private final CompletableFuture<Status.Code> ended = new CompletableFuture<>();
    private final StreamObserver<byte[]> requests;

    Chat() {
      ClientCall<byte[], byte[]> call = channel.newCall(ByteService.CHAT, CallOptions.DEFAULT);
      requests = ClientCalls.asyncBidiStreamingCall(call, new StreamObserver<>() {
        @Override
        public void onNext(byte[] value) {
          echoes.add(value);
        }

        @Override
        public void onError(Throwable t) {
          ended.complete(Status.fromThrowable(t).getCode());
        }

        @Override
        public void onCompleted() {
          ended.complete(Status.Code.OK);
        }
      });
    }

    String say(String text) throws InterruptedException {
      requests.onNext(text.getBytes(StandardCharsets.UTF_8));
      byte[] echo = echoes.poll(5, TimeUnit.SECONDS);
      assertThat(echo).as("echo of " + text).isNotNull();
      return new String(echo, StandardCharsets.UTF_8);
    }

    Status.Code end() throws Exception {
      requests.onCompleted();
      return ended.get(5, TimeUnit.SECONDS);
    }
  }
}

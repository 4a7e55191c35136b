package io.opizontas.gateway.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.opizontas.gateway.config.AdminConfig;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.config.PluginsConfig;
import io.opizontas.gateway.config.RegistrationCertificate;
import io.opizontas.gateway.config.RegistrationConfig;
import io.opizontas.gateway.config.RegistrationToken;
import io.opizontas.gateway.config.ReloadConfig;
import io.opizontas.gateway.config.ServerConfig;
import io.opizontas.gateway.config.UpstreamConfig;
import io.grpc.CallOptions;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.PythonGrpcio;
import io.opizontas.gateway.testing.ScriptedClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The assembled distribution, as an operator unpacks and runs it. Runs after {@code package}. */
class DistributionIT {

  private static final Path HOME = Path.of(System.getProperty("distribution.home"));
  private static final Path TARBALL = Path.of(System.getProperty("distribution.tarball"));
  private static final String VERSION = System.getProperty("distribution.version");

  @TempDir Path dir;

  @Test
  void layout() throws IOException {
    assertThat(HOME.resolve("bin/opizontas")).isExecutable();
    assertThat(HOME.resolve("conf/gateway.toml")).isRegularFile();
    assertThat(HOME.resolve("conf/logback.xml")).isRegularFile();
    assertThat(HOME.resolve("plugins")).isDirectory();
    try (Stream<Path> lib = Files.list(HOME.resolve("lib"))) {
      List<String> jars = lib.map(p -> p.getFileName().toString()).toList();
      assertThat(jars)
          .contains("gateway-runtime-" + VERSION + ".jar", "gateway-api-" + VERSION + ".jar")
          .anyMatch(jar -> jar.startsWith("picocli-"))
          .anyMatch(jar -> jar.startsWith("jul-to-slf4j-"))
          .anyMatch(jar -> jar.startsWith("logback-classic-"))
          .as("no test-scoped jars")
          .noneMatch(jar -> jar.startsWith("junit-") || jar.startsWith("assertj-")
              || jar.startsWith("grpc-interop-testing-") || jar.startsWith("grpc-testing-"));
    }
    try (Stream<Path> plugins = Files.list(HOME.resolve("plugins"))) {
      assertThat(plugins.map(p -> p.getFileName().toString()).toList())
          .as("the built-in plugins, one installable jar each")
          .containsExactlyInAnyOrder(
              "memory-registry-" + VERSION + "-plugin.jar",
              "static-registry-" + VERSION + "-plugin.jar",
              "zookeeper-registry-" + VERSION + "-plugin.jar",
              "consul-registry-" + VERSION + "-plugin.jar",
              "token-auth-" + VERSION + "-plugin.jar",
              "header-rewrite-" + VERSION + "-plugin.jar",
              "access-log-" + VERSION + "-plugin.jar",
              "balancers-" + VERSION + "-plugin.jar",
              "tls-providers-" + VERSION + "-plugin.jar",
              "health-probers-" + VERSION + "-plugin.jar");
    }
  }

  @Test
  void theTarballHoldsTheSameLayoutUnderOneDirectoryAndKeepsTheLauncherExecutable()
      throws Exception {
    Run tar = run(List.of("tar", "-tzvf", TARBALL.toString()), Map.of());
    assertThat(tar.exit()).isZero();
    String root = "opizontas-" + VERSION + "/";

    List<String> entries = new ArrayList<>();
    for (String line : tar.out().split("\n")) {
      String name = line.substring(line.lastIndexOf(' ') + 1);
      assertThat(name).startsWith(root);
      if (!name.endsWith("/")) {
        entries.add(name.substring(root.length()));
      }
      if (name.equals(root + "bin/opizontas")) {
        assertThat(line).startsWith("-rwxr-xr-x");
      }
    }
    assertThat(tar.out()).contains(root + "plugins/");
    try (Stream<Path> files = Files.walk(HOME)) {
      List<String> unpacked =
          files.filter(Files::isRegularFile).map(p -> HOME.relativize(p).toString()).toList();
      assertThat(entries).containsExactlyInAnyOrderElementsOf(unpacked);
    }
  }

  @Test
  void theShippedConfigurationLoadsAsTheEmbeddedDefault() {
    assertThat(GatewayConfigReader.read(HOME.resolve("conf/gateway.toml")))
        .isEqualTo(GatewayConfig.defaults());
  }

  /**
   * conf/gateway.toml shows every setting commented out at its default ({@code #key = value}).
   * Uncommented, it must load, set every key of every section, and change nothing.
   */
  @Test
  void everySettingIsDocumentedWithItsTrueDefault() throws IOException {
    String uncommented =
        Pattern.compile("^#(?=\\S)", Pattern.MULTILINE)
            .matcher(Files.readString(HOME.resolve("conf/gateway.toml")))
            .replaceAll("");
    Path file = Files.writeString(dir.resolve("uncommented.toml"), uncommented);

    GatewayConfig config = GatewayConfigReader.read(file);

    assertThat(config.server()).isEqualTo(ServerConfig.defaults());
    assertThat(config.upstream()).isEqualTo(UpstreamConfig.defaults());
    assertThat(config.admin()).isEqualTo(new AdminConfig(AdminConfig.defaults().listen(),
        List.of("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")));
    assertThat(config.plugins()).isEqualTo(PluginsConfig.defaults());
    assertThat(config.registries()).extracting(PluginSection::plugin).containsExactly("static");
    assertThat(config.chain()).extracting(PluginSection::plugin).containsExactly("token-auth", "access-log");
    RegistrationConfig registration = RegistrationConfig.defaults();
    assertThat(config.registration())
        .isEqualTo(new RegistrationConfig(registration.enabled(), registration.backend(), registration.leaseTtl(),
            List.of(new RegistrationToken("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                List.of("helloworld.*", "post.PostService"))),
            List.of(new RegistrationCertificate("spiffe://corp/ns/shop/sa/cart", List.of("cart.*"),
                List.of("10.0.3.*")))));

    // The TLS examples read as what they say: both legs on pem-files, TLS required to backends.
    assertThat(config.tls().listener()).hasValueSatisfying(tls -> assertThat(tls.provider().plugin()).isEqualTo("pem-files"));
    assertThat(config.tls().upstream().settingsFor("cart.Cart").require()).isTrue();
    assertThat(config.tls().upstream().settingsFor("payments.Pay").identity()).isEqualTo("spiffe://corp/ns/payments/sa/api");

    JsonNode written = new TomlMapper().readTree(uncommented);
    assertWritesEveryComponent(written.get("server"), ServerConfig.class);
    assertWritesEveryComponent(written.get("upstream"), UpstreamConfig.class);
    assertWritesEveryComponent(written.get("plugins"), PluginsConfig.class);
    assertWritesEveryComponent(written.get("registration"), RegistrationConfig.class);
    assertThat(config.reload()).isEqualTo(ReloadConfig.defaults());
    assertWritesEveryComponent(written.get("reload"), ReloadConfig.class);
  }

  private static void assertWritesEveryComponent(JsonNode section, Class<? extends Record> type) {
    for (var component : type.getRecordComponents()) {
      String key = component.getName().replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
      assertThat(section.has(key)).as("%s documents %s", type.getSimpleName(), key).isTrue();
    }
  }

  @Test
  void theLauncherFindsItsHomeThroughASymlinkAndHonoursJavaHome() throws Exception {
    Path link = Files.createSymbolicLink(dir.resolve("opizontas"), HOME.resolve("bin/opizontas"));
    Run version;
    try {
      version = run(List.of(link.toString(), "--version"), Map.of("JAVA_HOME", javaHome()));
    } finally {
      Files.delete(link); // before @TempDir's clean-up, which warns about links leading outside
    }

    assertThat(version.exit()).isZero();
    assertThat(version.out().trim()).isEqualTo("opizontas " + VERSION);
  }

  @Test
  void theLauncherPassesJavaOpts() throws Exception {
    Run run = run(launcher("--version"), Map.of("JAVA_OPTS", "-Dignored=1 -Xno-such-flag"));

    assertThat(run.exit()).isNotZero();
    assertThat(run.err()).contains("-Xno-such-flag");
  }

  @Test
  void aBadConfigurationStopsTheLauncherWithOneLine() throws Exception {
    Path bad = Files.writeString(dir.resolve("gateway.toml"), "[upstream]\nconnect_timeout = \"3 seconds\"\n");

    Run run = run(launcher("run", "--config", bad.toString()), Map.of());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            bad + ":2: upstream.connect_timeout: '3 seconds' is not a duration such as \"250ms\", \"30s\", \"5m\" or \"1h\"\n");
  }

  @Test
  void badUsageExitsWithTwo() throws Exception {
    Run run = run(launcher("no-such-command"), Map.of());

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("Usage: opizontas");
  }

  private static List<String> launcher(String... args) {
    List<String> command = new ArrayList<>();
    command.add(HOME.resolve("bin/opizontas").toString());
    command.addAll(List.of(args));
    return command;
  }

  private static String javaHome() {
    return System.getProperty("java.home");
  }

  @Test
  void theDemoRoutesACallThroughAGatewayRunningItsDefaults() throws Exception {
    // The embedded default, on an ephemeral loopback port instead of 0.0.0.0:50051.
    RunningGateway gateway = startGateway("[server]\nlisten = \"127.0.0.1:0\"\n");
    try {
      Matcher token = Pattern.compile("this run's token, (\\S+) ").matcher(gateway.log());
      assertThat(token.find()).as(gateway.log()).isTrue();

      Run demo = run(List.of(HOME.resolve("bin/opizontas").toString(), "demo",
          "--gateway", "127.0.0.1:" + gateway.port(), "--token", token.group(1)), Map.of());

      assertThat(demo.exit()).as(demo.err()).isZero();
      assertThat(demo.out()).contains("3. Called /opizontas.demo.Echo/Say through the gateway: "
          + "\"hello, newcomer, from the demo backend\"");
      Run refused = run(List.of(HOME.resolve("bin/opizontas").toString(), "demo",
          "--gateway", "127.0.0.1:" + gateway.port(), "--token", "not-the-token"), Map.of());
      assertThat(refused.exit()).isEqualTo(1);
      assertThat(refused.err()).contains("UNAUTHENTICATED");
    } finally {
      gateway.process().destroy();
      assertThat(gateway.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(gateway.log()).contains("Gateway stopped after draining");
  }

  /** SIGTERM (what Process.destroy sends) drains: the call in flight completes, then exit 0. */
  @Test
  void sigtermLetsTheCallInFlightCompleteAndExitsZero() throws Exception {
    ByteService service = new ByteService();
    Server backend = backend(service);
    RunningGateway gateway = startGateway(routingTo(backend));
    ManagedChannel channel = channel(gateway);
    try {
      byte[] request = ByteService.slowRequest(Duration.ofSeconds(2));
      CompletableFuture<byte[]> call = CompletableFuture.supplyAsync(
          () -> ClientCalls.blockingUnaryCall(channel, ByteService.SLOW, CallOptions.DEFAULT, request));
      assertThat(service.slowArrived.tryAcquire(30, TimeUnit.SECONDS)).isTrue();

      gateway.process().destroy();

      assertThat(call.get(30, TimeUnit.SECONDS)).isEqualTo(request);
      assertThat(gateway.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(gateway.process().exitValue()).as(gateway.log()).isZero();
      assertThat(gateway.log()).contains("SIGTERM received", "Gateway stopped after draining");
    } finally {
      gateway.process().destroyForcibly();
      channel.shutdownNow();
      backend.shutdownNow();
    }
  }

  /**
   * SIGHUP re-reads the configuration file instead of ending the JVM (which would exit 129): a route
   * the new file adds is served, and the process goes on to drain and exit 0 at SIGTERM.
   */
  @Test
  void sighupReloadsTheConfigurationAndTheGatewayKeepsRunning() throws Exception {
    ByteService service = new ByteService();
    Server backend = backend(service);
    String routes = routingTo(backend);
    RunningGateway gateway = startGateway(routes.substring(0, routes.indexOf("[[registries]]")));
    ManagedChannel channel = channel(gateway);
    try {
      byte[] request = {1, 2, 3};
      assertThat(Status.fromThrowable(catchThrowable(
              () -> ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, request)))
          .getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
      Files.writeString(gateway.configFile(), routes);

      Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(gateway.process().pid())).start();
      assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();

      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> Arrays.equals(request,
          ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, request)));
      assertThat(gateway.process().isAlive()).isTrue();
      assertThat(gateway.log()).contains("SIGHUP received: reloading the configuration",
          "Configuration reloaded from " + gateway.configFile());
      gateway.process().destroy();
      assertThat(gateway.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(gateway.process().exitValue()).as(gateway.log()).isZero();
    } finally {
      gateway.process().destroyForcibly();
      channel.shutdownNow();
      backend.shutdownNow();
    }
  }

  /**
   * About ten seconds of unary and streaming calls from grpc-java and python grpcio (C-core) at
   * once: every call ends OK and the backend is left with no call open. Then SIGTERM, with one
   * call in flight on the grpc-java client's connection: the call completes, and the process exits
   * 0 as soon as it has, well before the drain timeout (a stream left open would hold it there).
   */
  @Test
  void mixedLoadFromTwoClientStacksEndsCleanAndTheProcessDrainsToExitZero() throws Exception {
    PythonGrpcio.assumeAvailable();
    ByteService service = new ByteService();
    AtomicInteger openAtBackend = new AtomicInteger();
    Server backend = backend(service, new OpenCalls(openAtBackend));
    RunningGateway gateway = startGateway(routingTo(backend));
    ManagedChannel channel = channel(gateway);
    try {
      ScriptedClient python = PythonGrpcio.start(gateway.port(), "load", "10");
      JavaLoad java = JavaLoad.run(channel, Duration.ofSeconds(10));

      assertThat(python.await(Duration.ofSeconds(60))).as(python.output()).isZero();
      assertThat(python.output()).contains("OK load 10");
      assertThat(java.failures()).isEmpty();
      assertThat(java.calls()).isGreaterThan(30);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(openAtBackend).hasValue(0));

      byte[] request = ByteService.slowRequest(Duration.ofSeconds(2));
      CompletableFuture<byte[]> call = CompletableFuture.supplyAsync(
          () -> ClientCalls.blockingUnaryCall(channel, ByteService.SLOW, CallOptions.DEFAULT, request));
      assertThat(service.slowArrived.tryAcquire(30, TimeUnit.SECONDS)).isTrue();
      gateway.process().destroy();

      assertThat(call.get(30, TimeUnit.SECONDS)).isEqualTo(request);
      long answered = System.nanoTime();
      assertThat(gateway.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - answered)).as("exit after the last call")
          .isLessThan(Duration.ofSeconds(10));
      assertThat(gateway.process().exitValue()).as(gateway.log()).isZero();
      assertThat(gateway.log()).contains("Gateway stopped after draining")
          .doesNotContain("drain timeout", "ERROR");
    } finally {
      gateway.process().destroyForcibly();
      channel.shutdownNow();
      backend.shutdownNow();
    }
  }

  /** Unary Echo, bidi Chat and server-streaming Produce calls, one after another, for a while. */
  private record JavaLoad(int calls, List<Throwable> failures) {
    static JavaLoad run(ManagedChannel channel, Duration length) {
      List<Throwable> failures = new ArrayList<>();
      int calls = 0;
      long end = System.nanoTime() + length.toNanos();
      while (System.nanoTime() < end && failures.isEmpty()) {
        try {
          byte[] payload = new byte[calls % 3000];
          assertThat(ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, payload))
              .isEqualTo(payload);
          List<byte[]> produced = new ArrayList<>();
          ClientCalls.blockingServerStreamingCall(channel, ByteService.PRODUCE, CallOptions.DEFAULT,
              java.nio.ByteBuffer.allocate(8).putInt(5).putInt(10_000).array()).forEachRemaining(produced::add);
          assertThat(produced).hasSize(5);
          CompletableFuture<Integer> chatted = new CompletableFuture<>();
          io.grpc.stub.StreamObserver<byte[]> chat = ClientCalls.asyncBidiStreamingCall(
              channel.newCall(ByteService.CHAT, CallOptions.DEFAULT), new io.grpc.stub.StreamObserver<>() {
                int received;

                @Override
                public void onNext(byte[] value) {
                  received++;
                }

                @Override
                public void onError(Throwable t) {
                  chatted.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                  chatted.complete(received);
                }
              });
          for (int size : new int[] {1, 100, 20_000}) {
            chat.onNext(new byte[size]);
          }
          chat.onCompleted();
          assertThat(chatted.get(30, TimeUnit.SECONDS)).isEqualTo(3);
          calls += 3;
        } catch (Throwable failure) {
          failures.add(failure);
        }
      }
      return new JavaLoad(calls, failures);
    }
  }

  /** Counts the calls the backend has open: started and not yet completed or cancelled. */
  private record OpenCalls(AtomicInteger open) implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      open.incrementAndGet();
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
        @Override
        public void onComplete() {
          open.decrementAndGet();
          super.onComplete();
        }

        @Override
        public void onCancel() {
          open.decrementAndGet();
          super.onCancel();
        }
      };
    }
  }

  private static Server backend(ByteService service, ServerInterceptor... interceptors) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(service.definition(), interceptors))
        .build()
        .start();
  }

  /** A gateway config on an ephemeral loopback port that routes the test service to the backend. */
  private static String routingTo(Server backend) {
    return "[server]\nlisten = \"127.0.0.1:0\"\ndrain_timeout = \"20s\"\n"
        + "[registration]\nenabled = false\n"
        + "[[registries]]\nplugin = \"static\"\n"
        + "services.\"" + ByteService.SERVICE + "\" = [\"127.0.0.1:" + backend.getPort() + "\"]\n";
  }

  private static ManagedChannel channel(RunningGateway gateway) {
    return NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
  }

  private record RunningGateway(Process process, int port, Path logFile, Path configFile) {
    String log() throws IOException {
      return Files.readString(logFile);
    }
  }

  /** Runs bin/opizontas with {@code config} and returns once it listens. */
  private RunningGateway startGateway(String config) throws Exception {
    // Tests run side by side: the admin listener takes a free port unless the test places it.
    String placed = config.contains("[admin]") ? config : config + "\n[admin]\nlisten = \"127.0.0.1:0\"\n";
    Path file = Files.writeString(Files.createTempFile(dir, "gateway", ".toml"), placed);
    Path log = Files.createTempFile(dir, "gateway", ".log");
    ProcessBuilder builder = new ProcessBuilder(
        HOME.resolve("bin/opizontas").toString(), "run", "--config", file.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().remove("JAVA_OPTS");
    Process gateway = builder.start();
    Pattern listening = Pattern.compile("listening on /127\\.0\\.0\\.1:(\\d+)");
    int[] port = new int[1];
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      String text = Files.readString(log);
      Matcher found = listening.matcher(text);
      if (found.find()) {
        port[0] = Integer.parseInt(found.group(1));
        return true;
      }
      assertThat(gateway.isAlive()).as("gateway running; its log:%n%s", text).isTrue();
      return false;
    });
    return new RunningGateway(gateway, port[0], log, file);
  }

  private record Run(int exit, String out, String err) {}

  private Run run(List<String> command, Map<String, String> env) throws Exception {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().remove("JAVA_OPTS");
    builder.environment().putAll(env);
    Process process = builder.start();
    if (!process.waitFor(2, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError(command + " did not finish");
    }
    return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
  }

}

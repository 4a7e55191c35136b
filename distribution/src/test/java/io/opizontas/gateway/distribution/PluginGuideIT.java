package io.opizontas.gateway.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.TestCa;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/plugin-guide.md as an author follows it: its examples are the files of {@code
 * plugins/template}, which is built here as an outside project (its own pom, plain {@code mvn}, not
 * the reactor) against the reactor's gateway-api, and the jar it makes is loaded into a gateway
 * where each kind of extension is seen doing its job for real grpc-java calls.
 */
class PluginGuideIT {

  private static final Path ROOT = Path.of(System.getProperty("repository.root")).normalize();
  private static final Path HOME = Path.of(System.getProperty("distribution.home"));
  private static final String VERSION = System.getProperty("distribution.version");
  private static final Path TEMPLATE = ROOT.resolve("plugins/template");
  private static final String MARKER = "<!-- file: ";

  /** Where the template is built, once for the class. */
  @TempDir static Path outside;
  private static Path templateJar;

  @TempDir Path dir;

  private final List<Server> backends = new ArrayList<>();
  private Gateway gateway;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (gateway != null) {
      gateway.close();
    }
    for (Server backend : backends) {
      backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Every block the guide marks with {@code <!-- file: path -->} is that file, to the character. */
  @Test
  void theGuideShowsTheTemplateFilesAsTheyAre() throws IOException {
    Map<String, String> shown = markedBlocks(Files.readString(ROOT.resolve("docs/plugin-guide.md")));

    List<String> templateFiles;
    try (Stream<Path> files = Files.walk(TEMPLATE.resolve("src"))) { // its unit tests too
      templateFiles = new ArrayList<>(files.filter(Files::isRegularFile)
          .map(f -> ROOT.relativize(f).toString().replace('\\', '/')).toList());
    }
    templateFiles.add("plugins/template/pom.xml");
    assertThat(shown.keySet()).as("every file of the template is shown in the guide").containsAll(templateFiles);
    shown.forEach((file, block) -> assertThat(block)
        .as("the guide's block for %s", file)
        .isEqualTo(readString(ROOT.resolve(file))));
  }

  /** The template's pom depends on the gateway-api this repository builds, so it cannot fall behind. */
  @Test
  void theTemplateBuildsAgainstThisVersionOfTheApi() throws IOException {
    assertThat(Files.readString(TEMPLATE.resolve("pom.xml")))
        .contains("<opizontas.version>" + VERSION + "</opizontas.version>");
  }

  @Test
  void theTemplateBuildsOutsideTheRepositoryAndEachKindWorksInAGateway() throws Exception {
    Path jar = templateJar();
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(jar, plugins.resolve(jar.getFileName()));

    Queue<String> first = new ConcurrentLinkedQueue<>();
    Queue<String> second = new ConcurrentLinkedQueue<>();
    AtomicInteger probesOfFailing = new AtomicInteger();
    int a = backend(recordingSessions(first));
    int b = backend(recordingSessions(second));
    int failing = backend(failingEverything(probesOfFailing));
    Path services = Files.writeString(dir.resolve("services.properties"),
        "test.Bytes = 127.0.0.1:" + a + ", 127.0.0.1:" + b + ", 127.0.0.1:" + failing + "\n");
    TestCa ca = TestCa.create("guide CA");
    Path keyStore = ca.issue("gateway", "127.0.0.1").writePkcs12(dir.resolve("gateway.p12"), "gateway", "secret".toCharArray());

    gateway = Gateway.start(GatewayConfigReader.read(Files.writeString(dir.resolve("gateway.toml"), """
        [server]
        listen = "127.0.0.1:0"

        [admin]
        listen = "off"

        [server.tls]
        listen = "127.0.0.1:0"
        provider = "pkcs12-file"
        file = "%s"
        password = "secret"

        [plugins]
        directory = "%s"

        [registration]
        enabled = false

        [[registries]]
        plugin = "my-plugin"
        file = "%s"
        reload_interval = "100ms"

        [[balancing.services]]
        pattern = "test.Bytes"
        strategy = "sticky"
        header = "x-session"

        [health]
        interval = "200ms"
        timeout = "200ms"
        unhealthy_threshold = 1

        [[health.services]]
        pattern = "test.Bytes"
        prober = "unary-method"
        method = "test.Bytes/Echo"

        [[chain]]
        plugin = "my-plugin"
        tenants = ["acme"]
        """.formatted(keyStore, plugins, services))));
    // Every call below goes over TLS: the provider's key is what the client verifies.
    channel = Grpc.newChannelBuilderForAddress("127.0.0.1", gateway.tlsAddress().getPort(),
        TlsChannelCredentials.newBuilder()
            .trustManager(new ByteArrayInputStream(TestCa.pem(ca.certificate()).getBytes(StandardCharsets.US_ASCII)))
            .build()).build();

    // The prober takes the failing endpoint out: then every session reaches a backend that answers.
    await().atMost(Duration.ofSeconds(30)).until(() -> sessions(20).allMatch(this::answers));
    assertThat(probesOfFailing).as("probes (calls without a tenant) reached the failing endpoint").hasPositiveValue();

    // The balancer keeps a session on one endpoint and spreads sessions over both.
    first.clear();
    second.clear();
    for (int i = 0; i < 10; i++) {
      echo("acme", "alpha");
    }
    assertThat(List.of(first.size(), second.size())).containsExactlyInAnyOrder(0, 10);
    sessions(20).forEach(session -> echo("acme", session));
    assertThat(first).isNotEmpty();
    assertThat(second).isNotEmpty();

    // The filter lets known tenants through only.
    assertThatThrownBy(() -> echo(null, "alpha"))
        .hasMessage("PERMISSION_DENIED: no x-tenant header");
    assertThatThrownBy(() -> echo("globex", "alpha"))
        .hasMessage("PERMISSION_DENIED: unknown tenant 'globex'");

    // The registry re-reads its file.
    Files.writeString(services, "test.Bytes = 127.0.0.1:" + a + "\n");
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      second.clear();
      sessions(20).forEach(session -> echo("acme", session));
      return second.isEmpty();
    });
  }

  /**
   * The guide's table of refusals holds what the gateway prints: each cause is produced here with the
   * template's jar (altered as a broken build would leave it) and the message looked up in the guide,
   * with this test's directories written as the guide's /opt/opizontas/plugins.
   */
  @Test
  void theGuidesRefusalsAreWhatTheGatewayPrints() throws Exception {
    Path jar = templateJar();
    String guide = Files.readString(ROOT.resolve("docs/plugin-guide.md"));
    String filter = "[[chain]]\nplugin = \"%s\"\ntenants = [%s]\n";
    List<String> printed = new ArrayList<>();

    Path installed = plugins("installed", Map.of("my-plugin.jar", jar));
    printed.add(refusal(installed, filter.formatted("my-plugn", "\"acme\"")));
    printed.add(refusal(dir.resolve("missing"), filter.formatted("my-plugin", "\"acme\"")));
    printed.add(refusal(installed, filter.formatted("my-plugin", "")));
    printed.add(refusal(installed,
        "[[registries]]\nplugin = \"my-plugin\"\nfile = \"/etc/opizontas/services.properties\"\n"));
    Path corrupt = plugins("corrupt", Map.of());
    Files.writeString(corrupt.resolve("x.jar"), "not a jar");
    printed.add(refusal(corrupt, ""));
    printed.add(refusal(plugins("zip", Map.of("x.zip", jar)), ""));
    printed.add(refusal(plugins("twice", Map.of("my-plugin-1.0.jar", jar, "my-plugin-1.1.jar", jar)), ""));
    printed.add(refusal(plugins("newer", Map.of("my-plugin.jar",
        altered(jar, Map.of("META-INF/MANIFEST.MF", manifest -> manifest.replace(">=0.1.0", ">=0.3.0"))))), ""));
    printed.add(refusal(plugins("nodescriptor", Map.of("my-plugin.jar",
        altered(jar, Map.of("META-INF/MANIFEST.MF", manifest -> manifest.replaceAll("Plugin-[^\n]*\n", ""))))), ""));
    printed.add(refusal(plugins("unindexed", Map.of("my-plugin.jar",
        altered(jar, Map.of("META-INF/extensions.idx", index -> null)))), filter.formatted("my-plugin", "\"acme\"")));
    printed.add(refusal(plugins("bundles", Map.of("my-plugin.jar",
        altered(jar, Map.of("io/opizontas/gateway/api/CallFilter.class", absent -> "a copy of the API")))), ""));

    printed.add(refusalOf(installed, """
        [server]
        listen = "127.0.0.1:0"

        [server.tls]
        listen = "127.0.0.1:0"
        provider = "pkcs12-file"
        file = "/etc/opizontas/gateway.p12"

        [plugins]
        directory = "%s"

        [registration]
        enabled = false
        """.formatted(installed)));

    assertThat(printed).allSatisfy(message -> assertThat(guide).contains("`" + message + "`"));
  }

  /** A plugins directory holding {@code jars}, each a copy of a file under a name of its own. */
  private Path plugins(String name, Map<String, Path> jars) throws IOException {
    Path plugins = Files.createDirectories(dir.resolve(name));
    for (Map.Entry<String, Path> jar : jars.entrySet()) {
      Files.copy(jar.getValue(), plugins.resolve(jar.getKey()));
    }
    return plugins;
  }

  /** A copy of {@code jar} with entries edited (null removes one; an absent entry is offered as null). */
  private Path altered(Path jar, Map<String, java.util.function.UnaryOperator<String>> edits) throws IOException {
    Path copy = Files.createTempFile(dir, "altered", ".jar");
    Map<String, java.util.function.UnaryOperator<String>> pending = new LinkedHashMap<>(edits);
    try (var in = new java.util.zip.ZipInputStream(Files.newInputStream(jar));
        var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(copy))) {
      for (var entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        byte[] content = in.readAllBytes();
        var edit = pending.remove(entry.getName());
        String edited = edit == null ? null : edit.apply(new String(content, StandardCharsets.UTF_8));
        if (edit == null || edited != null) {
          out.putNextEntry(new java.util.zip.ZipEntry(entry.getName()));
          out.write(edit == null ? content : edited.getBytes(StandardCharsets.UTF_8));
        }
      }
      for (var added : pending.entrySet()) {
        out.putNextEntry(new java.util.zip.ZipEntry(added.getKey()));
        out.write(added.getValue().apply(null).getBytes(StandardCharsets.UTF_8));
      }
    }
    return copy;
  }

  /**
   * What the gateway says when it refuses to start with {@code plugins} and {@code entries}, which
   * begin on line 10 as in the guide's examples.
   */
  private static String refusal(Path plugins, String entries) throws Exception {
    return refusalOf(plugins, """
        [server]
        listen = "127.0.0.1:0"

        [plugins]
        directory = "%s"

        [registration]
        enabled = false

        %s""".formatted(plugins, entries));
  }

  /** What the gateway says when it refuses to start on {@code toml}, with {@code plugins} written as the guide's. */
  private static String refusalOf(Path plugins, String toml) throws Exception {
    Gateway started;
    try {
      started = Gateway.start(GatewayConfigReader.read(toml, "gateway.toml"));
    } catch (Exception e) {
      return e.getMessage().replace(plugins.toString(), "/opt/opizontas/plugins");
    }
    started.close();
    throw new AssertionError("the gateway started with " + toml);
  }

  /**
   * Copies plugins/template to a directory of its own and runs {@code mvn package} there (its unit
   * tests included), as its author would after installing gateway-api and gateway-api-testing. The
   * reactor's gateway-api and gateway-api-testing are installed into a private
   * local repository (the shared one is never written to), chained to the shared one for everything
   * else the reactor has already resolved, and Maven runs offline.
   */
  private static synchronized Path templateJar() throws Exception {
    if (templateJar == null) {
      templateJar = buildTemplateOutside();
    }
    return templateJar;
  }

  private static Path buildTemplateOutside() throws Exception {
    Path project = outside.resolve("my-plugin");
    Files.createDirectories(project);
    Files.copy(TEMPLATE.resolve("pom.xml"), project.resolve("pom.xml"));
    try (Stream<Path> files = Files.walk(TEMPLATE.resolve("src"))) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Path copy = project.resolve(TEMPLATE.relativize(file).toString());
        Files.createDirectories(copy.getParent());
        Files.copy(file, copy);
      }
    }
    Path repository = Path.of(System.getProperty("guide.repository"));
    install(repository, "gateway-api", HOME.resolve("lib/gateway-api-" + VERSION + ".jar"), ROOT.resolve("gateway-api/pom.xml"));
    install(repository, "opizontas-parent", null, ROOT.resolve("pom.xml"));
    // The template's unit tests use the testing kit, which the reactor has built by now.
    install(repository, "gateway-api-testing",
        ROOT.resolve("gateway-api-testing/target/gateway-api-testing-" + VERSION + ".jar"),
        ROOT.resolve("gateway-api-testing/pom.xml"));

    Path log = outside.resolve("mvn.log");
    Path mvn = Path.of(System.getProperty("maven.home"), "bin", "mvn");
    ProcessBuilder build = new ProcessBuilder(mvn.toString(), "-B", "-ntp", "-o",
        "-Dmaven.repo.local=" + repository,
        "-Dmaven.repo.local.tail=" + System.getProperty("maven.local.repository"),
        "package")
        .directory(project.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    build.environment().put("JAVA_HOME", System.getProperty("java.home"));
    build.environment().remove("MAVEN_OPTS");
    build.environment().remove("MAVEN_ARGS");
    Process process = build.start();
    if (!process.waitFor(3, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("mvn package did not finish in 3 minutes; its log:\n" + Files.readString(log));
    }
    assertThat(process.exitValue()).as("mvn package in %s; its log:%n%s", project, Files.readString(log)).isZero();
    return project.resolve("target/my-plugin-1.0.0-plugin.jar");
  }

  /** Puts {@code jar} and {@code pom} where a local repository keeps io.opizontas:{@code artifact}. */
  private static void install(Path repository, String artifact, Path jar, Path pom) throws IOException {
    Path directory = Files.createDirectories(repository.resolve("io/opizontas/" + artifact + "/" + VERSION));
    String base = artifact + "-" + VERSION;
    Files.copy(pom, directory.resolve(base + ".pom"), StandardCopyOption.REPLACE_EXISTING);
    if (jar != null) {
      Files.copy(jar, directory.resolve(base + ".jar"), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static Stream<String> sessions(int count) {
    return Stream.iterate(0, i -> i + 1).limit(count).map(i -> "session-" + i);
  }

  private boolean answers(String session) {
    try {
      echo("acme", session);
      return true;
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  private void echo(String tenant, String session) {
    Metadata headers = new Metadata();
    if (tenant != null) {
      headers.put(Metadata.Key.of("x-tenant", Metadata.ASCII_STRING_MARSHALLER), tenant);
    }
    headers.put(Metadata.Key.of("x-session", Metadata.ASCII_STRING_MARSHALLER), session);
    Channel withHeaders = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    byte[] request = session.getBytes(StandardCharsets.UTF_8);
    assertThat(ClientCalls.blockingUnaryCall(withHeaders, ByteService.ECHO,
        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), request)).isEqualTo(request);
  }

  private int backend(ServerInterceptor interceptor) throws IOException {
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(new ByteService().definition(), interceptor))
        .build()
        .start();
    backends.add(server);
    return server.getPort();
  }

  /** Notes the session of every routed call (probes carry none). */
  private static ServerInterceptor recordingSessions(Queue<String> sessions) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String session = headers.get(Metadata.Key.of("x-session", Metadata.ASCII_STRING_MARSHALLER));
        if (session != null) {
          sessions.add(session);
        }
        return next.startCall(call, headers);
      }
    };
  }

  /** Answers every call UNAVAILABLE, counting those without a tenant: the gateway's probes. */
  private static ServerInterceptor failingEverything(AtomicInteger probes) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (headers.get(Metadata.Key.of("x-tenant", Metadata.ASCII_STRING_MARSHALLER)) == null) {
          probes.incrementAndGet();
        }
        call.close(Status.UNAVAILABLE.withDescription("this endpoint is down"), new Metadata());
        return new ServerCall.Listener<>() {};
      }
    };
  }

  /** The guide's blocks that follow a {@code <!-- file: path -->} line, by path. */
  private static Map<String, String> markedBlocks(String guide) {
    Map<String, String> blocks = new LinkedHashMap<>();
    List<String> lines = guide.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (!line.startsWith(MARKER)) {
        continue;
      }
      String file = line.substring(MARKER.length(), line.indexOf(" -->"));
      assertThat(lines.get(i + 1)).as("the line after %s opens a code block", line).startsWith("```");
      StringBuilder block = new StringBuilder();
      int j = i + 2;
      for (; !lines.get(j).equals("```"); j++) {
        block.append(lines.get(j)).append('\n');
      }
      assertThat(blocks.put(file, block.toString())).as("%s is shown once", file).isNull();
      i = j;
    }
    return blocks;
  }

  private static String readString(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}

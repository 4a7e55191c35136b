package io.opizontas.gateway.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;


import io.opizontas.gateway.api.ApiVersion;
import io.opizontas.gateway.api.CallFilter;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.PluginConfigException;
import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.RegistryBackend;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.config.ConfigException;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.plugin.fixtures.FailingPlugin;
import io.opizontas.gateway.plugin.fixtures.FailingStartFilter;
import io.opizontas.gateway.plugin.fixtures.StampFilter;
import io.opizontas.gateway.plugin.fixtures.StaticRegistry;
import io.opizontas.gateway.proxy.CallFilters;
import io.opizontas.gateway.proxy.FilteredCall;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.AbstractThrowableAssert;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading, binding and starting plugins from a real plugins directory, and every way it refuses. */
class PluginsTest {

  @TempDir Path dir;

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private Plugins plugins;

  @AfterEach
  void close() {
    if (plugins != null) {
      plugins.close();
    }
    scheduler.shutdownNow();
  }

  private Plugins load() {
    plugins = Plugins.load(dir, Clock.systemUTC(), scheduler);
    return plugins;
  }

  private static PluginSection entry(String plugin, Map<String, Object> settings) {
    return new PluginSection(plugin, settings, "gateway.toml:7");
  }

  private static PluginJar stamp() {
    return PluginJar.id("stamp").extension(StampFilter.class);
  }

  /** The start-up error, checked to be one line. */
  private AbstractThrowableAssert<?, ? extends Throwable> refusal(Runnable start) {
    return assertThatThrownBy(start::run)
        .isInstanceOf(PluginLoadException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void bindsAChainEntryToItsPluginAndPassesItsSectionWithoutTheRuntimesKeys() throws Exception {
    stamp().writeTo(dir);
    load();

    CallFilters chain = plugins.startChain(List.of(
        entry("stamp", Map.of("value", "v1", "timeout", "1s", "failure_status", "unavailable"))));
    HttpFields.Mutable headers = HttpFields.build();
    FilteredCall verdict = chain.onRequest("pkg.Svc", "M", headers).toCompletableFuture().get(5, TimeUnit.SECONDS);

    assertThat(plugins.ids()).containsExactly("stamp");
    assertThat(headers.get("x-stamp")).isEqualTo("v1");
    assertThat(headers.get("x-stamp-report"))
        .isEqualTo("keys=[value] logger=opizontas.plugin.stamp plugin=stamp");
    assertThat(verdict.attributes()).containsEntry("stamp", "v1");
    assertThat(plugins.metrics("stamp")).containsEntry("stamped_total", 0.0);
    assertThat(plugins.context("stamp").scheduler().submit(() -> "ran").get(5, TimeUnit.SECONDS))
        .as("a plugin cannot shut its scheduler down")
        .isEqualTo("ran");
  }

  @Test
  void eachPluginHasItsOwnSchedulerSoATaskThatBlocksDelaysOnlyItsOwnPlugin() throws Exception {
    load();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocking = new CountDownLatch(1);
    plugins.context("slow").scheduler().execute(() -> {
      blocking.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      assertThat(blocking.await(5, TimeUnit.SECONDS)).isTrue();
      String ranOn = plugins.context("other").scheduler()
          .schedule(() -> Thread.currentThread().getName(), 1, TimeUnit.MILLISECONDS)
          .get(5, TimeUnit.SECONDS);
      assertThat(ranOn).isEqualTo("opizontas-plugin-other");
    } finally {
      release.countDown();
    }
  }

  @Test
  void aBlockingTaskRunsOnThePluginsBlockingExecutorWhileItsSchedulerGoesOnAndCloseStopsIt() throws Exception {
    plugins = Plugins.load(dir, dir.resolve("home"), Clock.systemUTC(), scheduler);
    PluginContext context = plugins.context("files");
    CountDownLatch blocking = new CountDownLatch(1);
    CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
    context.blockingExecutor().execute(() -> {
      blocking.countDown();
      try {
        new CountDownLatch(1).await(30, TimeUnit.SECONDS);
        interrupted.complete(false);
      } catch (InterruptedException e) {
        interrupted.complete(true);
      }
    });
    assertThat(blocking.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(context.scheduler().submit(() -> "timers go on").get(5, TimeUnit.SECONDS)).isEqualTo("timers go on");
    assertThat(context.home()).isEqualTo(dir.resolve("home").toAbsolutePath());

    plugins.close();

    assertThat(interrupted.get(5, TimeUnit.SECONDS)).as("the task still blocking is interrupted").isTrue();
    assertThatThrownBy(() -> context.blockingExecutor().execute(() -> {}))
        .isInstanceOf(RejectedExecutionException.class);
  }

  @Test
  void theExtensionComesFromThePluginsOwnClassLoader() {
    stamp().writeTo(dir);
    load();

    CallFilter filter = plugins.create(CallFilter.class, "stamp");

    assertThat(filter.getClass().getName()).isEqualTo(StampFilter.class.getName());
    assertThat(filter.getClass()).as("not the test class path's copy").isNotSameAs(StampFilter.class);
  }

  @Test
  void twoEntriesOfOnePluginAreTwoInstancesInChainOrder() throws Exception {
    stamp().writeTo(dir);
    load();

    CallFilters chain = plugins.startChain(List.of(entry("stamp", Map.of("value", "a")), entry("stamp", Map.of("value", "b"))));
    HttpFields.Mutable headers = HttpFields.build();
    chain.onRequest("pkg.Svc", "M", headers).toCompletableFuture().get(5, TimeUnit.SECONDS);

    assertThat(headers.get("x-stamp")).as("the second entry ran last").isEqualTo("b");
  }

  @Test
  void anEmptyChainIsNone() {
    load();
    assertThat(plugins.startChain(List.of())).isSameAs(CallFilters.NONE);
  }

  @Test
  void aPluginDescribedInItsManifestLoadsToo() {
    stamp().inManifest().writeTo(dir);
    load();
    assertThat(plugins.ids()).containsExactly("stamp");
  }

  @Test
  void closeClosesTheStartedFilters() {
    stamp().writeTo(dir);
    Path marker = dir.resolve("closed.txt");
    load().startChain(List.of(entry("stamp", Map.of("value", "v", "closed_marker", marker.toString()))));

    plugins.close();
    plugins = null;

    assertThat(marker).hasContent("closed");
  }

  @Test
  void registryBackendsAreMadeForTheDiscoveryEngineToStart() throws Exception {
    PluginJar.id("static-fixture").extension(StaticRegistry.class).writeTo(dir);
    load();
    Map<String, Set<Endpoint>> reported = new ConcurrentHashMap<>();

    RegistryBackend backend = plugins.create(RegistryBackend.class, "static-fixture");
    backend.start(
        new TablePluginConfig("static-fixture", Map.of("services", Map.of("pkg.Svc", List.of("127.0.0.1:5000")))),
        plugins.context("static-fixture"),
        reported::put);

    assertThat(reported).containsEntry("pkg.Svc", Set.of(Endpoint.of("127.0.0.1", 5000)));
    assertThat(plugins.context("static-fixture")).isSameAs(plugins.context("static-fixture"));
  }

  @Test
  void anUnknownPluginIdNamesTheEntryAndWhatIsInstalled() {
    stamp().writeTo(dir);
    load();
    refusal(() -> plugins.startChain(List.of(entry("tokn-auth", Map.of()))))
        .hasMessage("plugin 'tokn-auth' (gateway.toml:7): not installed: no plugin with this id in "
            + dir.toAbsolutePath() + " (installed: stamp)");
  }

  @Test
  void aMissingPluginsDirectoryLoadsNothingAndSaysSoWhenAPluginIsNamed() {
    Path missing = dir.resolve("no-such-dir");
    plugins = Plugins.load(missing, Clock.systemUTC(), scheduler);
    assertThat(plugins.ids()).isEmpty();
    refusal(() -> plugins.startChain(List.of(entry("token-auth", Map.of()))))
        .hasMessage("plugin 'token-auth' (gateway.toml:7): not installed: there is no plugins directory " + missing.toAbsolutePath());
  }

  @Test
  void aCorruptJarIsNamed() throws Exception {
    Path corrupt = Files.write(dir.resolve("half-copied.jar"), new byte[] {'P', 'K', 3, 4, 0, 0, 1});
    refusal(this::load).hasMessageStartingWith("plugin jar " + corrupt + ": not a readable jar (");
  }

  @Test
  void aZipPluginIsRefusedRatherThanIgnored() throws Exception {
    Path zip = Files.write(dir.resolve("rate-limit-1.0.zip"), new byte[0]);
    refusal(this::load).hasMessage("plugin archive " + zip
        + ": zip plugins are not supported; install the plugin as one jar with its libraries shaded in");
  }

  @Test
  void aJarWithoutDescriptorIsNamed() {
    Path jar = PluginJar.id("anonymous").withoutDescriptor().extension(StampFilter.class).writeTo(dir);
    refusal(this::load).hasMessage("plugin jar " + jar
        + ": no plugin descriptor: the jar has neither plugin.properties nor a manifest with Plugin-Id");
  }

  @Test
  void aPluginRequiringANewerGatewayApiIsRefused() {
    Path jar = stamp().requires(">=99.0.0").writeTo(dir);
    refusal(this::load).hasMessage("plugin 'stamp' (" + jar + "): requires gateway-api >=99.0.0, but this gateway provides "
        + ApiVersion.current());
  }

  @Test
  void twoJarsWithOneIdAreRefused() {
    Path first = stamp().writeTo(dir, "stamp-1.0.jar");
    Path second = stamp().writeTo(dir, "stamp-1.1.jar");
    refusal(this::load).hasMessage("plugin 'stamp': installed twice, as " + first + " and " + second + "; remove one");
  }

  @Test
  void aPluginWhoseStartThrowsIsNamedWithItsCauseOnOneLine() {
    PluginJar.id("failing").extension(FailingStartFilter.class).writeTo(dir);
    load();
    refusal(() -> plugins.startChain(List.of(entry("failing", Map.of()))))
        .hasMessage("plugin 'failing' (gateway.toml:7): failed to start: cannot reach the token service at 10.0.0.1:443");
  }

  @Test
  void aPluginClassWhoseStartThrowsIsNamed() {
    Path jar = stamp().pluginClass(FailingPlugin.class).writeTo(dir);
    refusal(this::load).hasMessage("plugin 'stamp' (" + jar + "): failed to start: license file not found");
  }

  /** The chain of a configuration file {@code gateway.toml} with {@code toml} as its text. */
  private static List<PluginSection> chainOf(String toml) {
    return GatewayConfigReader.read(toml, "gateway.toml").chain();
  }

  /** The start-up error for a bad setting: one line, file:line: key: problem, like any setting's. */
  private AbstractThrowableAssert<?, ? extends Throwable> badSetting(Runnable start) {
    return assertThatThrownBy(start::run)
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void badTomlForAPluginsSectionNamesFileLineAndKey() {
    stamp().writeTo(dir);
    load();
    badSetting(() -> plugins.startChain(chainOf("[[chain]]\nplugin = \"stamp\"\n\nvalue = 5\n")))
        .hasMessage("gateway.toml:4: chain.0.value: expected a string but found long 5 (plugin 'stamp')");
    badSetting(() -> plugins.startChain(chainOf("[[chain]]\nplugin = \"stamp\"\nvalue = \"v\"\nvaleu = \"w\"\n")))
        .hasMessage("gateway.toml:4: chain.0.valeu: unknown key; expected one of value, closed_marker (plugin 'stamp')");
  }

  @Test
  void badRuntimeKeysOfAChainEntryAreNamed() {
    stamp().writeTo(dir);
    load();
    String entry = "[[chain]]\nplugin = \"stamp\"\nvalue = \"v\"\n";
    badSetting(() -> plugins.startChain(chainOf(entry + "timeout = \"soon\"\n")))
        .hasMessageStartingWith("gateway.toml:4: chain.0.timeout: 'soon' is not a duration");
    badSetting(() -> plugins.startChain(chainOf(entry + "failure_status = \"OK\"\n")))
        .hasMessageStartingWith("gateway.toml:4: chain.0.failure_status: 'OK' is not a gRPC status other than OK");
    badSetting(() -> plugins.startChain(chainOf(entry + "timeout = \"0\"\n")))
        .hasMessage("gateway.toml:4: chain.0.timeout: must be positive (plugin 'stamp')");
  }

  @Test
  void aKeyAPluginNeitherDeclaresNorReadsIsRefusedAfterItsStart() throws Exception {
    // The fixture never calls allowKeys: it reads services and nothing else.
    PluginJar.id("static-fixture").extension(StaticRegistry.class).writeTo(dir);
    load();
    String toml = """
        [[registries]]
        plugin = "static-fixture"
        services."pkg.Svc" = ["127.0.0.1:5000"]
        service."pkg.Other" = ["127.0.0.1:5001"]
        """;
    PluginSection section = GatewayConfigReader.read(toml, "gateway.toml").registries().get(0);
    Map<String, Set<Endpoint>> reported = new ConcurrentHashMap<>();
    RegistryBackend backend = plugins.create(RegistryBackend.class, "static-fixture");
    TablePluginConfig config = new TablePluginConfig("static-fixture", section.settings());
    backend.start(config, plugins.context("static-fixture"), reported::put);

    assertThatThrownBy(config::rejectUnread)
        .isInstanceOf(PluginConfigException.class)
        .satisfies(e -> assertThat(section.refuse((PluginConfigException) e)).hasMessage(
            "gateway.toml:4: registries.0.service: unknown key; the plugin reads only services here (plugin 'static-fixture')"));
  }

  @Test
  void aFailedChainClosesTheFiltersItAlreadyStarted() {
    stamp().writeTo(dir);
    PluginJar.id("failing").extension(FailingStartFilter.class).writeTo(dir);
    Path marker = dir.resolve("closed.txt");
    load();

    refusal(() -> plugins.startChain(List.of(
        entry("stamp", Map.of("value", "v", "closed_marker", marker.toString())), entry("failing", Map.of()))));

    assertThat(marker).hasContent("closed");
  }

  @Test
  void aPluginWithoutTheRoleSaysWhatIsMissing() {
    PluginJar.id("registry-only").extension(StaticRegistry.class).writeTo(dir);
    PluginJar.id("unindexed").include(StampFilter.class).writeTo(dir);
    load();
    refusal(() -> plugins.startChain(List.of(entry("registry-only", Map.of()))))
        .hasMessageStartingWith("plugin 'registry-only' (gateway.toml:7): contributes no CallFilter");
    refusal(() -> plugins.startChain(List.of(entry("unindexed", Map.of()))))
        .hasMessageContaining("PF4J's annotation processor");
  }

  @Test
  void aPluginWithTwoFiltersIsAmbiguous() {
    PluginJar.id("double").extension(StampFilter.class).extension(FailingStartFilter.class).writeTo(dir);
    load();
    refusal(() -> plugins.startChain(List.of(entry("double", Map.of()))))
        .hasMessageContaining("contributes 2 CallFilter extensions")
        .hasMessageContaining("a plugin id binds one per role");
  }

  @Test
  void aPluginBundlingTheContractIsRefused() {
    Path jar = stamp().include(CallFilter.class).include(GrpcStatusCode.class).writeTo(dir);
    refusal(this::load).hasMessage("plugin 'stamp' (" + jar
        + "): bundles gateway-api; depend on it with <scope>provided</scope>, the gateway supplies it");
  }
}

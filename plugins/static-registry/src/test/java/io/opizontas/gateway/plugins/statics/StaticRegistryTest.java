package io.opizontas.gateway.plugins.statics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;


import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.PluginConfigException;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.api.testing.RecordingEndpointSink;
import io.opizontas.gateway.api.testing.TestPluginContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaticRegistryTest {

  @TempDir Path dir;
  private final TestPluginContext context = new TestPluginContext("static");
  private final RecordingEndpointSink sink = new RecordingEndpointSink();
  private final StaticRegistry registry = new StaticRegistry();

  @AfterEach
  void stop() {
    registry.close();
    context.close();
  }

  private void start(Map<String, Object> settings) throws Exception {
    registry.start(new TablePluginConfig("static", settings), context, sink);
  }

  private List<Endpoint> endpoints(String service) {
    return List.copyOf(sink.endpoints(service));
  }

  @Test
  void inlineEndpointsAreReported() throws Exception {
    start(Map.of("services", Map.of(
        "helloworld.Greeter", List.of("127.0.0.1:50052", "[::1]:50053"),
        "post.PostService", List.of(Map.of("address", "10.0.0.1:7000", "weight", 3L, "zone", "eu-1", "metadata", Map.of("version", "2"))))));

    assertThat(endpoints("helloworld.Greeter"))
        .containsExactlyInAnyOrder(Endpoint.of("127.0.0.1", 50052), Endpoint.of("::1", 50053));
    assertThat(endpoints("post.PostService"))
        .containsExactly(new Endpoint("10.0.0.1", 7000, 3, "eu-1", Map.of("version", "2")));
  }

  @Test
  void aRelativeFileIsUnderTheGatewaysHome() throws Exception {
    Files.writeString(dir.resolve("endpoints.toml"), """
        [services]
        "helloworld.Greeter" = ["10.0.0.1:1"]
        """);
    context.withHome(dir);

    start(Map.of("file", "endpoints.toml"));

    assertThat(endpoints("helloworld.Greeter")).containsExactly(Endpoint.of("10.0.0.1", 1));
  }

  @Test
  void theFileIsReloadedWhenItChangesAndABrokenEditKeepsTheLastGoodEndpoints() throws Exception {
    Path file = dir.resolve("endpoints.toml");
    Files.writeString(file, """
        [services]
        "helloworld.Greeter" = ["10.0.0.1:1", "10.0.0.2:1"]
        "post.PostService" = ["10.0.0.3:1"]
        """);
    start(Map.of("file", file.toString(), "reload_interval", "50ms", "services", Map.of("helloworld.Greeter", List.of("10.0.0.9:9"))));
    assertThat(endpoints("helloworld.Greeter")).hasSize(3); // inline and file are merged
    assertThat(endpoints("post.PostService")).hasSize(1);

    Files.writeString(file, """
        [services]
        "helloworld.Greeter" = ["10.0.0.2:1"]
        """);
    await().atMost(Duration.ofSeconds(5)).until(() -> endpoints("post.PostService").isEmpty());
    assertThat(endpoints("helloworld.Greeter")).containsExactlyInAnyOrder(Endpoint.of("10.0.0.2", 1), Endpoint.of("10.0.0.9", 9));

    Files.writeString(file, "[services\n\"broken");
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
        .until(() -> endpoints("helloworld.Greeter").size() == 2);

    Files.writeString(file, """
        [services]
        "helloworld.Greeter" = ["10.0.0.4:1"]
        """);
    await().atMost(Duration.ofSeconds(5))
        .until(() -> endpoints("helloworld.Greeter").contains(Endpoint.of("10.0.0.4", 1)) && endpoints("helloworld.Greeter").size() == 2);
  }

  @Test
  void badEntriesFailTheStartNamingTheKey() {
    assertThatThrownBy(() -> start(Map.of("services", Map.of("svc.A", List.of("nohost")))))
        .isInstanceOf(PluginConfigException.class).hasMessageContaining("services.\"svc.A\".0");
    assertThatThrownBy(() -> new StaticRegistry().start(
            new TablePluginConfig("static", Map.of("services", Map.of("svc.A", List.of(Map.of("weight", 2L))))), context, sink))
        .isInstanceOf(PluginConfigException.class).hasMessageContaining("services.\"svc.A\".0.address");
    assertThatThrownBy(() -> new StaticRegistry().start(
            new TablePluginConfig("static", Map.of("services", Map.of("svc.A", "10.0.0.1:1"))), context, sink))
        .isInstanceOf(PluginConfigException.class).hasMessageContaining("services.\"svc.A\"");
    assertThatThrownBy(() -> new StaticRegistry().start(
            new TablePluginConfig("static", Map.of("file", dir.resolve("missing.toml").toString())), context, sink))
        .isInstanceOf(PluginConfigException.class).hasMessageContaining("missing.toml");
    assertThat(sink.services()).doesNotContainKey("svc.A");
  }

  @Test
  void aServiceNameThatIsNotOneIsRefusedNamingItsKey() {
    assertThatThrownBy(() -> start(Map.of("services", Map.of("svc.A/Get", List.of("10.0.0.1:1")))))
        .isInstanceOfSatisfying(PluginConfigException.class, e -> {
          assertThat(e.key()).isEqualTo("services.\"svc.A/Get\"");
          assertThat(e.problem()).contains("contains '/'");
        });
    assertThat(sink.reports()).isEmpty();
  }

  @Test
  void unknownKeysAreRefusedListingTheKnownOnes() {
    assertThatThrownBy(() -> start(Map.of("service", Map.of("svc.A", List.of("10.0.0.1:1")))))
        .isInstanceOf(PluginConfigException.class)
        .hasMessage("service: unknown key; expected one of services, file, reload_interval");
    assertThatThrownBy(() -> start(Map.of("services", Map.of("svc.A", List.of(Map.of("address", "10.0.0.1:1", "wieght", 2L))))))
        .isInstanceOf(PluginConfigException.class)
        .hasMessage("services.\"svc.A\".0.wieght: unknown key; expected one of address, weight, zone, metadata");
    assertThat(sink.services()).doesNotContainKey("svc.A");
  }
}

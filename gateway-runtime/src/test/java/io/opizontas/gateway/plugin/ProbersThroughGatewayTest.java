package io.opizontas.gateway.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.opizontas.gateway.admin.AdminHttp;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.HealthState;
import io.opizontas.gateway.auth.BearerTokens;
import io.opizontas.gateway.config.AdminConfig;
import io.opizontas.gateway.config.ConfigException;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.health.EndpointStatus;
import io.opizontas.gateway.plugin.fixtures.HangingProber;
import io.opizontas.gateway.plugin.fixtures.HealthyProber;
import io.opizontas.gateway.plugin.fixtures.ProbeLedger;
import io.opizontas.gateway.plugin.fixtures.ThrowingProber;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.TestGateways;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Probers from a plugin jar, chosen per service in [health]: one that throws and one that never
 * completes fail their own probes only; the probes of other services go on at their interval.
 */
class ProbersThroughGatewayTest {

  @TempDir Path dir;

  private Gateway gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private GatewayConfig config(String health) throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    PluginJar.id("test-probers").extension(HealthyProber.class).extension(ThrowingProber.class)
        .extension(HangingProber.class).writeTo(plugins);
    Path toml = dir.resolve("gateway.toml");
    Files.writeString(toml, """
        [plugins]
        directory = "%s"

        """.formatted(plugins) + health);
    GatewayConfig read = GatewayConfigReader.read(toml);
    return TestGateways.config().withPlugins(read.plugins()).withHealth(read.health());
  }

  private List<EndpointStatus> of(String service) {
    return gateway.health().statuses().stream().filter(s -> s.service().equals(service)).toList();
  }

  @Test
  void aProberThatThrowsOrNeverAnswersFailsOnlyItsOwnProbes() throws Exception {
    ProbeLedger.reset();
    gateway = Gateway.start(config("""
        [health]
        prober = "healthy"
        interval = "200ms"
        timeout = "100ms"

        [[health.services]]
        pattern = "throws.*"
        prober = "throwing"

        [[health.services]]
        pattern = "hangs.*"
        prober = "hanging"

        [[health.services]]
        pattern = "unprobed.*"
        prober = "none"
        """));
    List<Endpoint> endpoints = List.of(Endpoint.of("127.0.0.1", 1), Endpoint.of("127.0.0.1", 2));
    for (String service : List.of("throws.S", "hangs.S", "fine.S", "unprobed.S")) {
      TestGateways.route(gateway, Map.of(service, endpoints));
    }

    await().atMost(Duration.ofSeconds(5)).until(() -> of("throws.S").stream().noneMatch(EndpointStatus::routable)
        && of("hangs.S").stream().noneMatch(EndpointStatus::routable));
    assertThat(of("throws.S")).extracting(EndpointStatus::lastProbe).allMatch(last -> last.contains("threw"));
    assertThat(of("hangs.S")).extracting(EndpointStatus::lastProbe)
        .allMatch(last -> last.contains("no answer within 100ms"));

    int healthyProbes = ProbeLedger.probes("healthy");
    // Two endpoints at 200 ms: about ten more probes a second, whatever the broken probers do.
    await().atMost(Duration.ofSeconds(5)).until(() -> ProbeLedger.probes("healthy") >= healthyProbes + 10);
    assertThat(of("fine.S")).allMatch(EndpointStatus::routable).extracting(EndpointStatus::probes)
        .containsOnly(HealthState.HEALTHY);
    assertThat(of("unprobed.S")).allMatch(s -> s.routable() && s.lastProbe().equals("not probed yet"));
    assertThat(gateway.health().routable("throws.S")).isEmpty();
    assertThat(gateway.health().whyUnroutable("hangs.S")).isEqualTo("2 endpoints, all failing health checks");
  }

  @Test
  void theAdminApiProbesAnEndpointNowRatherThanAtItsInterval() throws Exception {
    ProbeLedger.reset();
    String token = "admin-secret";
    AdminConfig admin = new AdminConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)),
        List.of(BearerTokens.sha256(token)));
    gateway = Gateway.start(config("""
        [health]
        prober = "healthy"
        interval = "1h"
        """).withAdmin(admin));
    TestGateways.route(gateway, Map.of("fine.S", List.of(Endpoint.of("127.0.0.1", 1), Endpoint.of("127.0.0.1", 2))));
    assertThat(of("fine.S")).extracting(EndpointStatus::lastProbe).containsOnly("not probed yet");

    HttpResponse<String> probe =
        AdminHttp.post(gateway.adminAddress(), "/api/endpoints/probe?service=fine.S&endpoint=127.0.0.1:2",
            "Bearer " + token);

    assertThat(probe.statusCode()).isEqualTo(202);
    assertThat(probe.body()).contains("\"endpoint\" : \"127.0.0.1:2\"").doesNotContain("127.0.0.1:1");
    await().atMost(Duration.ofSeconds(5)).until(() -> ProbeLedger.probes("healthy") == 1);
    assertThat(of("fine.S")).extracting(EndpointStatus::lastProbe)
        .containsExactlyInAnyOrder("not probed yet", "prober 'healthy': HEALTHY");
  }

  @Test
  void aProberNoPluginContributesIsRefusedWithItsLine() throws Exception {
    GatewayConfig config = config("""
        [health]
        prober = "healthy"

        [[health.services]]
        pattern = "a.*"
        prober = "no-such-prober"
        """);

    ConfigException refused = catchThrowableOfType(ConfigException.class, () -> Gateway.start(config));

    assertThat(refused).hasMessageContaining("gateway.toml:9").hasMessageContaining("health.services.0.prober")
        .hasMessageContaining("no installed plugin contributes the health prober 'no-such-prober'");
  }
}

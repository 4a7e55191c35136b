package io.opizontas.gateway.plugins.consul;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;


import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.PluginConfigException;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.api.testing.RecordingEndpointSink;
import io.opizontas.gateway.api.testing.TestPluginContext;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Consul backend against WireMock serving Consul's documented HTTP API. */
class ConsulRegistryTest {

  private static final String GREETER = "helloworld.Greeter";

  private WireMockServer consul;
  private final TestPluginContext context = new TestPluginContext("consul");
  private final RecordingEndpointSink sink = new RecordingEndpointSink();
  private final ConsulRegistry registry = new ConsulRegistry();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeEach
  void start() {
    consul = new WireMockServer(options().dynamicPort());
    consul.start();
    ((ch.qos.logback.classic.Logger) context.logger()).addAppender(logs);
    logs.start();
  }

  @AfterEach
  void stop() {
    registry.close();
    context.close();
    ((ch.qos.logback.classic.Logger) context.logger()).detachAppender(logs);
    consul.stop();
  }

  private void startRegistry(Map<String, Object> extra) throws Exception {
    Map<String, Object> settings = new HashMap<>(Map.of("wait", "2s", "retry_interval", "100ms", "connect_timeout", "15s"));
    settings.putAll(extra);
    settings.computeIfAbsent("address", k -> consul.baseUrl());
    registry.start(new TablePluginConfig("consul", settings), context, sink);
  }

  private List<Endpoint> endpoints(String service) {
    return List.copyOf(sink.endpoints(service));
  }

  /** One {@code /v1/health/service} entry, as Consul writes it. */
  private static String instance(String id, String serviceAddress, String nodeAddress, int port, int weight, String meta) {
    return """
        {"Node": {"ID": "n-%1$s", "Node": "node-%1$s", "Address": "%3$s", "Datacenter": "dc1"},
         "Service": {"ID": "%1$s", "Service": "helloworld.Greeter", "Tags": ["grpc"], "Address": "%2$s",
                     "Port": %4$d, "Meta": {%6$s}, "Weights": {"Passing": %5$d, "Warning": 1}},
         "Checks": [{"CheckID": "serfHealth", "Status": "passing"}]}
        """.formatted(id, serviceAddress, nodeAddress, port, weight, meta);
  }

  private void health(String service, long index, String... instances) {
    consul.stubFor(get(urlPathEqualTo("/v1/health/service/" + service))
        .withQueryParam("passing", equalTo("true"))
        .willReturn(okJson("[" + String.join(",", instances) + "]").withHeader("X-Consul-Index", String.valueOf(index))));
  }

  private void catalog(long index, String json) {
    consul.stubFor(get(urlPathEqualTo("/v1/catalog/services"))
        .willReturn(okJson(json).withHeader("X-Consul-Index", String.valueOf(index))));
  }

  @Test
  void instancesAppearingAndDisappearingChangeTheTable() throws Exception {
    catalog(10, "{\"consul\": [], \"helloworld.Greeter\": [\"grpc\"]}");
    health(GREETER, 11,
        instance("a", "10.0.0.1", "192.168.0.1", 50051, 3, "\"zone\": \"eu-1\", \"version\": \"7\""),
        instance("b", "", "192.168.0.2", 50051, 1, ""));

    startRegistry(Map.of());

    assertThat(endpoints(GREETER)).containsExactlyInAnyOrder(
        new Endpoint("10.0.0.1", 50051, 3, "eu-1", Map.of("zone", "eu-1", "version", "7")),
        Endpoint.of("192.168.0.2", 50051)); // no service address: the node's
    assertThat(sink.services()).doesNotContainKey("consul");

    health(GREETER, 12, instance("b", "", "192.168.0.2", 50051, 1, ""));
    await().atMost(Duration.ofSeconds(5)).until(() -> endpoints(GREETER).equals(List.of(Endpoint.of("192.168.0.2", 50051))));

    // Blocking queries: after the first answer every request carries the last index and a wait.
    consul.verify(getRequestedFor(urlPathEqualTo("/v1/health/service/" + GREETER))
        .withQueryParam("index", equalTo("11")).withQueryParam("wait", equalTo("2000ms")));

    health(GREETER, 13);
    await().atMost(Duration.ofSeconds(5)).until(() -> endpoints(GREETER).isEmpty());
  }

  @Test
  void servicesLeavingTheCatalogLeaveTheTable() throws Exception {
    catalog(10, "{\"helloworld.Greeter\": [], \"post.PostService\": []}");
    health(GREETER, 11, instance("a", "10.0.0.1", "", 1, 1, ""));
    health("post.PostService", 11, instance("p", "10.0.0.2", "", 2, 1, ""));
    startRegistry(Map.of());
    assertThat(endpoints("post.PostService")).hasSize(1);

    catalog(14, "{\"helloworld.Greeter\": []}");
    await().atMost(Duration.ofSeconds(5)).until(() -> endpoints("post.PostService").isEmpty());
    assertThat(endpoints(GREETER)).hasSize(1);
  }

  @Test
  void aConfiguredServiceListSkipsTheCatalogAndTheTokenIsSent() throws Exception {
    consul.stubFor(get(urlPathEqualTo("/v1/health/service/" + GREETER)).atPriority(10)
        .willReturn(aResponse().withStatus(403).withBody("ACL not found")));
    consul.stubFor(get(urlPathEqualTo("/v1/health/service/" + GREETER)).atPriority(1)
        .withHeader("X-Consul-Token", equalTo("s3cret"))
        .withQueryParam("dc", equalTo("dc2"))
        .willReturn(okJson("[" + instance("a", "10.0.0.1", "", 7, 1, "") + "]").withHeader("X-Consul-Index", "5")));

    startRegistry(Map.of("services", List.of(GREETER), "token", "s3cret", "datacenter", "dc2"));

    assertThat(endpoints(GREETER)).containsExactly(Endpoint.of("10.0.0.1", 7));
    consul.verify(0, getRequestedFor(urlPathEqualTo("/v1/catalog/services")));
  }

  @Test
  void aRefusedTokenIsLoggedAndNothingIsRouted() throws Exception {
    consul.stubFor(get(urlPathEqualTo("/v1/health/service/" + GREETER))
        .willReturn(aResponse().withStatus(403).withBody("ACL not found")));
    startRegistry(Map.of("services", List.of(GREETER), "token", "wrong"));
    await().atMost(Duration.ofSeconds(5)).until(() -> warnings().stream().anyMatch(m -> m.contains("403") && m.contains("ACL not found")));
    assertThat(sink.services()).doesNotContainKey(GREETER);
  }

  @Test
  void whenConsulGoesDownTheLastKnownEndpointsStayAndTheOutageIsLogged() throws Exception {
    catalog(10, "{\"helloworld.Greeter\": []}");
    health(GREETER, 11, instance("a", "10.0.0.1", "", 1, 1, ""));
    startRegistry(Map.of());
    assertThat(endpoints(GREETER)).hasSize(1);
    int port = consul.port();

    consul.stop();
    await().atMost(Duration.ofSeconds(10)).until(() -> warnings().stream().anyMatch(m -> m.contains("unreachable")));
    assertThat(warnings()).hasSize(1); // once per outage, not once per retry
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> endpoints(GREETER).size() == 1);

    // Consul comes back with news: it is picked up and the recovery is logged.
    consul = new WireMockServer(options().port(port));
    consul.start();
    catalog(20, "{\"helloworld.Greeter\": []}");
    health(GREETER, 21, instance("a", "10.0.0.1", "", 1, 1, ""), instance("b", "10.0.0.2", "", 1, 1, ""));
    await().atMost(Duration.ofSeconds(10)).until(() -> endpoints(GREETER).size() == 2);
    assertThat(logs.list).anyMatch(e -> e.getLevel() == Level.INFO && e.getFormattedMessage().contains("answers again"));
  }

  @Test
  void startingWhileConsulIsDownIsNotFatal() throws Exception {
    int port = consul.port();
    consul.stop();
    startRegistry(Map.of("connect_timeout", "500ms", "address", "http://localhost:" + port));
    assertThat(warnings()).isNotEmpty();

    consul = new WireMockServer(options().port(port));
    consul.start();
    catalog(1, "{\"helloworld.Greeter\": []}");
    health(GREETER, 2, instance("a", "10.0.0.1", "", 1, 1, ""));
    await().atMost(Duration.ofSeconds(10)).until(() -> endpoints(GREETER).size() == 1);
  }

  @Test
  void anIndexThatGoesBackwardsStartsOver() throws Exception {
    consul.stubFor(get(urlPathEqualTo("/v1/health/service/" + GREETER))
        .willReturn(okJson("[" + instance("a", "10.0.0.1", "", 1, 1, "") + "]").withHeader("X-Consul-Index", "100")));
    startRegistry(Map.of("services", List.of(GREETER)));
    health(GREETER, 3, instance("b", "10.0.0.2", "", 1, 1, ""));
    await().atMost(Duration.ofSeconds(5)).until(() -> endpoints(GREETER).equals(List.of(Endpoint.of("10.0.0.2", 1))));
    consul.verify(getRequestedFor(urlPathEqualTo("/v1/health/service/" + GREETER)).withQueryParam("index", equalTo("3")));
  }

  @Test
  void badSettingsNameTheirKey() {
    assertThatThrownBy(() -> startRegistry(Map.of("address", "not a url")))
        .isInstanceOf(PluginConfigException.class).hasMessageContaining("address");
    assertThatThrownBy(() -> new ConsulRegistry().start(
            new TablePluginConfig("consul", Map.of("wait", "11m")), context, sink))
        .isInstanceOf(PluginConfigException.class).hasMessageContaining("wait");
    assertThatThrownBy(() -> new ConsulRegistry().start(
            new TablePluginConfig("consul", Map.of("token", "a", "token_file", "/nonexistent")), context, sink))
        .isInstanceOf(PluginConfigException.class).hasMessageContaining("token_file");
  }

  private List<String> warnings() {
    return logs.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
  }

}

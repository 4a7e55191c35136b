package io.opizontas.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.config.AdminConfig;
import io.opizontas.gateway.config.HealthConfig;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.HeadlessChromium;
import io.opizontas.gateway.testing.TestGateways;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real browser: headless Chromium loads it from a running gateway with one
 * healthy service and one whose only endpoint was ejected after calls to its closed port failed,
 * and the rendered page shows both, the unhealthy one marked down with the reason.
 */
class StatusPageBrowserTest {

  private static final String DOWN_SERVICE = "test.Down";
  private static final MethodDescriptor<byte[], byte[]> DOWN_ECHO =
      ByteService.ECHO.toBuilder().setFullMethodName(DOWN_SERVICE + "/Echo").build();
  /** The screenshot, kept as a build artifact. */
  private static final Path SCREENSHOT = Path.of("target", "status-page.png");

  @TempDir Path work;

  @Test
  void aPersonSeesBothServicesAndWhichIsUnhealthyAndWhy() throws Exception {
    HeadlessChromium chromium = HeadlessChromium.require(work);
    // Two calls in a row without an answer eject an endpoint, even a service's only one.
    HealthConfig defaults = HealthConfig.defaults();
    HealthConfig health = new HealthConfig(null, List.of(), defaults.interval(), defaults.timeout(),
        defaults.unhealthyThreshold(), defaults.healthyThreshold(), 0,
        new HealthConfig.Ejection(2, Duration.ofMinutes(5), Duration.ofMinutes(5), 100));
    AdminConfig admin = new AdminConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)), List.of());
    try (GrpcBackend backend = GrpcBackend.of(() -> new ByteService().definition());
        Gateway gateway = TestGateways.route(Gateway.start(TestGateways.config().withHealth(health).withAdmin(admin)),
            Map.of(ByteService.SERVICE, List.of(backend.endpoint()),
                DOWN_SERVICE, List.of(Endpoint.of("127.0.0.1", closedPort()))))) {
      ManagedChannel channel = TestGateways.channel(gateway);
      try {
        for (int i = 0; i < 5; i++) {
          ClientCalls.blockingUnaryCall(channel, ByteService.ECHO, CallOptions.DEFAULT, new byte[] {1});
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> {
          try {
            ClientCalls.blockingUnaryCall(channel, DOWN_ECHO,
                CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), new byte[] {1});
          } catch (StatusRuntimeException expected) {
            // Connection refused: what ejects the endpoint.
          }
          return "down".equals(stateOf(gateway, DOWN_SERVICE));
        });
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }

      URI page = URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + "/");
      String dom = chromium.dumpDom(page, 5000);

      assertThat(row(dom, ByteService.SERVICE)).as("the healthy service's row in\n%s", dom)
          .contains("data-state=\"healthy\"");
      String down = row(dom, DOWN_SERVICE);
      assertThat(down).as("the unhealthy service's row").contains("class=\"service down\"");
      assertThat(down).contains("1 of 1 endpoint ejected: 2 consecutive failures");
      assertThat(dom).contains("2 services: 1 healthy, 0 degraded, 1 down");
      chromium.screenshot(page, 5000, SCREENSHOT);
    }
  }

  /** The rendered row of {@code service}, from its opening tag to its end. */
  private static String row(String dom, String service) {
    Matcher row = Pattern.compile("<tr[^>]*data-service=\"" + Pattern.quote(service) + "\"[^>]*class=\"service[^\"]*\""
        + "[^>]*>.*?</tr>|<tr class=\"service[^\"]*\"[^>]*data-service=\"" + Pattern.quote(service) + "\"[^>]*>.*?</tr>",
        Pattern.DOTALL).matcher(dom);
    assertThat(row.find()).as("a row for %s in the rendered page:\n%s", service, dom).isTrue();
    return row.group();
  }

  private static String stateOf(Gateway gateway, String service) throws Exception {
    JsonNode services = new ObjectMapper().readTree(AdminHttp.get(gateway.adminAddress(), "/api/services", null).body());
    for (JsonNode each : services.path("services")) {
      if (each.path("name").asText().equals(service)) {
        return each.path("state").asText();
      }
    }
    return null;
  }

  /** A port nothing listens on: bound, then closed. */
  private static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}

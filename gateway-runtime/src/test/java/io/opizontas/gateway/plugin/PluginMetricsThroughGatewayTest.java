package io.opizontas.gateway.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.testing.integration.EmptyProtos;
import io.grpc.testing.integration.TestServiceGrpc;
import io.opizontas.gateway.admin.AdminHttp;
import io.opizontas.gateway.config.AdminConfig;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.config.PluginsConfig;
import io.opizontas.gateway.plugin.fixtures.Gate;
import io.opizontas.gateway.plugin.fixtures.GatedFilter;
import io.opizontas.gateway.plugin.fixtures.StampFilter;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.PrometheusText;
import io.opizontas.gateway.testing.TestGateways;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real plugin jars in a real gateway: their PluginMetrics and their failures, scraped from /metrics. */
class PluginMetricsThroughGatewayTest {

  private static final EmptyProtos.Empty EMPTY = EmptyProtos.Empty.getDefaultInstance();

  @TempDir Path plugins;

  private GrpcBackend backend;
  private Gateway gateway;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws Exception {
    Gate.open();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
    backend.close();
  }

  @Test
  void pluginMetricsAndFilterFailuresAreScrapedUnderThePluginId() throws Exception {
    Gate.reset();
    PluginJar.id("gated").extension(GatedFilter.class).writeTo(plugins);
    PluginJar.id("stamp").extension(StampFilter.class).writeTo(plugins);
    backend = GrpcBackend.interop();
    GatewayConfig local = TestGateways.config();
    GatewayConfig config = local.withPlugins(new PluginsConfig(plugins))
        .withChain(List.of(new PluginSection("stamp", Map.of("value", "x"), "gateway.toml:1"),
            new PluginSection("gated", Map.of("timeout", "300ms", "failure_status", "unavailable"), "gateway.toml:4")))
        .withAdmin(new AdminConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)), List.of()));
    gateway = TestGateways.route(Gateway.start(config), Map.of("grpc.testing.TestService", List.of(backend.endpoint())));
    channel = TestGateways.channel(gateway);
    Metadata hang = new Metadata();
    hang.put(Metadata.Key.of("x-gate", Metadata.ASCII_STRING_MARSHALLER), "hang");

    StatusRuntimeException failed = catchThrowableOfType(() -> TestServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(hang))
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .emptyCall(EMPTY), StatusRuntimeException.class);
    assertThat(failed.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);

    PrometheusText metrics = PrometheusText.parse(AdminHttp.get(gateway.adminAddress(), "/metrics", null).body());

    assertThat(metrics.value("opizontas_call_filter_failures_total", "plugin", "gated")).isEqualTo(1);
    assertThat(metrics.value("opizontas_call_filter_failures_total", "plugin", "stamp")).isNull();
    assertThat(metrics.type("opizontas_plugin_stamped_total")).isEqualTo("counter");
    assertThat(metrics.value("opizontas_plugin_stamped_total", "plugin", "stamp")).isZero();
    assertThat(metrics.value("opizontas_calls_finished_total", "service", "grpc.testing.TestService",
        "method", "EmptyCall", "code", "UNAVAILABLE")).isEqualTo(1);
  }
}

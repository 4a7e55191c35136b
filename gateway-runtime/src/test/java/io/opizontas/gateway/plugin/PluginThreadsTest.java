package io.opizontas.gateway.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.testing.integration.EmptyProtos;
import io.grpc.testing.integration.TestServiceGrpc;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.config.PluginsConfig;
import io.opizontas.gateway.plugin.fixtures.Gate;
import io.opizontas.gateway.plugin.fixtures.GatedFilter;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.RawH2Client;
import io.opizontas.gateway.testing.TestGateways;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where plugin code runs, seen through a real gateway: a grpc-java client on one connection, a
 * grpc-java backend, and a call filter plugin that blocks where it is told to.
 */
class PluginThreadsTest {

  private static final Metadata.Key<String> GATE = Metadata.Key.of("x-gate", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> GATED = Metadata.Key.of("x-gated", Metadata.ASCII_STRING_MARSHALLER);
  private static final String FILTERS_THREAD = "opizontas-filters-\\d+";
  private static final EmptyProtos.Empty EMPTY = EmptyProtos.Empty.getDefaultInstance();

  @TempDir Path plugins;

  private GrpcBackend backend;
  private Gateway gateway;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    Gate.reset();
    PluginJar.id("gated").extension(GatedFilter.class).writeTo(plugins);
    backend = GrpcBackend.interop();
    GatewayConfig local = TestGateways.config();
    GatewayConfig config = local.withPlugins(new PluginsConfig(plugins))
        .withChain(List.of(new PluginSection("gated", Map.of("timeout", "300ms", "failure_status", "unavailable"), "gateway.toml:1")));
    gateway = TestGateways.route(Gateway.start(config), Map.of("grpc.testing.TestService", List.of(backend.endpoint())));
    channel = TestGateways.channel(gateway);
  }

  @AfterEach
  void stop() throws Exception {
    Gate.open();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
    backend.close();
  }

  private TestServiceGrpc.TestServiceBlockingStub stub(String gate) {
    Metadata headers = new Metadata();
    if (gate != null) {
      headers.put(GATE, gate);
    }
    return TestServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  @Test
  void aFilterThatBlocksDoesNotStallTheOtherCallsOfItsConnection() throws Exception {
    Metadata block = new Metadata();
    block.put(GATE, "block");
    ListenableFuture<EmptyProtos.Empty> blocked = TestServiceGrpc.newFutureStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(block))
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .emptyCall(EMPTY);
    assertThat(Gate.awaitBlocked(Duration.ofSeconds(5))).as("the filter blocks").isTrue();

    for (int i = 0; i < 3; i++) {
      assertThat(stub(null).emptyCall(EMPTY)).as("a call on the same connection").isEqualTo(EMPTY);
    }
    assertThat(blocked).as("the blocked call is still waiting").isNotDone();

    Gate.open();
    assertThat(blocked.get(5, TimeUnit.SECONDS)).isEqualTo(EMPTY);
  }

  @Test
  void aPluginBlockingItsSchedulerDoesNotKeepAHungFiltersTimeoutFromFiring() throws Exception {
    long start = System.nanoTime();
    StatusRuntimeException failure = catchThrowableOfType(() -> stub("hang").emptyCall(EMPTY), StatusRuntimeException.class);

    assertThat(Gate.awaitBlocked(Duration.ZERO)).as("the plugin's task blocked its scheduler").isTrue();
    assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(failure.getStatus().getDescription()).isEqualTo("call filter 'gated' timed out after 300ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
  }

  @Test
  void everyHookRunsOnTheFiltersPoolNeverOnAnIoThread() {
    AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();

    stub(null)
        .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, trailers))
        .emptyCall(EMPTY);

    assertThat(responseHeaders.get().get(GATED)).isEqualTo("yes");
    assertThat(Gate.threads()).containsOnlyKeys("request", "response-headers", "trailers")
        .allSatisfy((hook, thread) -> assertThat(thread).as(hook).matches(FILTERS_THREAD));
  }

  @Test
  void aResponseHookThatBlocksIsCutOffByItsEntrysTimeout() {
    AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    long start = System.nanoTime();

    StatusRuntimeException failure = catchThrowableOfType(
        () -> stub("slow-response")
            .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, trailers))
            .emptyCall(EMPTY),
        StatusRuntimeException.class);

    assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(failure.getStatus().getDescription()).isEqualTo("call filter 'gated' timed out after 300ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    assertThat(responseHeaders.get()).as("the headers went out").isNotNull();
    assertThat(responseHeaders.get().get(GATED)).as("without the late hook's edit").isNull();
  }

  /**
   * The gateway's deadline fires while a response-headers hook still runs: the response headers
   * were already on their way, so the client must get them first and DEADLINE_EXCEEDED in the
   * trailers after them, never trailers without :status (a protocol error at the client).
   */
  @Test
  void aDeadlineDuringAResponseHookEndsTheCallAfterTheResponseHeaders() throws Exception {
    try (RawH2Client client = new RawH2Client(gateway.address())) {
      HttpFields headers = HttpFields.build()
          .put("content-type", "application/grpc")
          .put("te", "trailers")
          // Long enough for a loaded machine's backend to answer first, short of the hook's 300ms.
          .put("grpc-timeout", "250m")
          .put("x-gate", "slow-response");

      RawH2Client.Response response = client.exchange("POST", "/grpc.testing.TestService/EmptyCall", headers,
          new byte[] {0, 0, 0, 0, 0});

      assertThat(response.resetCode()).as("no reset").isEqualTo(-1);
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.headersFrames()).as("headers, then trailers").isEqualTo(2);
      assertThat(response.trailers().get("grpc-status"))
          .isEqualTo(String.valueOf(Status.Code.DEADLINE_EXCEEDED.value()));
    }
  }
}

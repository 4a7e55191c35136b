package io.opizontas.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opizontas.gateway.admin.AdminHttp;
import io.opizontas.gateway.auth.BearerTokens;
import io.opizontas.gateway.cli.RawBytes;
import io.opizontas.gateway.config.AdminConfig;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.PrometheusText;
import io.opizontas.gateway.testing.TestGateways;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A scripted set of calls through a real gateway to a real grpc-java backend, then {@code /metrics}
 * scraped over HTTP and read strictly: every counter and histogram count must be exactly what the
 * script did.
 */
class MetricsThroughGatewayTest {

  private static final String SERVICE = "test.Metrics";
  private static final String TOKEN = "scrape-token";
  /** A unary method answering its request, or failing with the status the request names. */
  private static final MethodDescriptor<byte[], byte[]> ECHO = method("Echo", MethodType.UNARY);
  /** gRPC's length prefix: one flag byte and four of length, before every message. */
  private static final int PREFIX = 5;

  private GrpcBackend backend;
  private Gateway gateway;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    backend = GrpcBackend.of(() -> ServerServiceDefinition.builder(SERVICE)
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, response) -> {
          String code = new String(request, StandardCharsets.UTF_8);
          if (code.equals("OK")) {
            response.onNext(request);
            response.onCompleted();
          } else {
            response.onError(Status.fromCode(Status.Code.valueOf(code)).withDescription("as asked").asRuntimeException());
          }
        }))
        .build(), new ByteService()::definition);
    AdminConfig admin = new AdminConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)),
        List.of(BearerTokens.sha256(TOKEN)));
    gateway = TestGateways.route(Gateway.start(TestGateways.config().withAdmin(admin)),
        Map.of(SERVICE, List.of(backend.endpoint()), ByteService.SERVICE, List.of(backend.endpoint())));
    channel = TestGateways.channel(gateway);
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
    backend.close();
  }

  @Test
  void aScriptedSetOfCallsCountsExactly() throws Exception {
    List<String> codes = List.of("OK", "OK", "OK", "NOT_FOUND", "NOT_FOUND", "INVALID_ARGUMENT", "PERMISSION_DENIED");
    long echoRequestBytes = 0;
    for (String code : codes) {
      echoRequestBytes += PREFIX + code.length();
      if (code.equals("OK")) {
        assertThat(echo(code)).isEqualTo("OK");
      } else {
        assertThatThrownBy(() -> echo(code)).isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode().name()).isEqualTo(code));
      }
    }
    List<String> sent = List.of("one", "three", "fivefive");
    assertThat(chat(sent)).isEqualTo(sent);
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, method("nope.Service", "Do", MethodType.UNARY),
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[0]))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));

    PrometheusText metrics = scrape();

    String[] echo = {"service", SERVICE, "method", "Echo"};
    String[] chat = {"service", ByteService.SERVICE, "method", "Chat"};
    assertThat(metrics.value("opizontas_calls_started_total", echo)).isEqualTo(7);
    assertThat(metrics.value("opizontas_calls_started_total", chat)).isEqualTo(1);
    assertThat(finished(metrics, "Echo", "OK")).isEqualTo(3);
    assertThat(finished(metrics, "Echo", "NOT_FOUND")).isEqualTo(2);
    assertThat(finished(metrics, "Echo", "INVALID_ARGUMENT")).isEqualTo(1);
    assertThat(finished(metrics, "Echo", "PERMISSION_DENIED")).isEqualTo(1);
    assertThat(metrics.value("opizontas_calls_finished_total", "service", ByteService.SERVICE, "method", "Chat",
        "code", "OK")).isEqualTo(1);
    // Codes no call ended with have no series at all.
    assertThat(finished(metrics, "Echo", "UNAVAILABLE")).isNull();
    assertThat(metrics.value("opizontas_calls_in_flight", echo)).isZero();
    assertThat(metrics.value("opizontas_calls_in_flight", chat)).isZero();

    assertThat(metrics.type("opizontas_call_duration_seconds")).isEqualTo("histogram");
    assertThat(metrics.value("opizontas_call_duration_seconds_count", echo)).isEqualTo(7);
    assertThat(metrics.value("opizontas_call_duration_seconds_bucket", "service", SERVICE, "method", "Echo", "le", "+Inf"))
        .isEqualTo(7);
    assertThat(metrics.value("opizontas_call_duration_seconds_count", chat)).isEqualTo(1);
    assertThat(metrics.value("opizontas_call_duration_seconds_sum", echo)).isPositive();

    assertThat(metrics.value("opizontas_call_request_bytes_total", echo)).isEqualTo(echoRequestBytes);
    // Only the three OK calls answered a message ("OK"); failed ones end with trailers alone.
    assertThat(metrics.value("opizontas_call_response_bytes_total", echo)).isEqualTo(3 * (PREFIX + 2));
    long chatBytes = sent.stream().mapToLong(m -> PREFIX + m.length()).sum();
    assertThat(metrics.value("opizontas_call_request_bytes_total", chat)).isEqualTo(chatBytes);
    assertThat(metrics.value("opizontas_call_response_bytes_total", chat)).isEqualTo(chatBytes);

    // A service the routing table does not know folds into one series, whatever its name.
    String[] unknown = {"service", "unknown", "method", "unknown"};
    assertThat(metrics.value("opizontas_calls_started_total", unknown)).isEqualTo(1);
    assertThat(metrics.value("opizontas_calls_finished_total", "service", "unknown", "method", "unknown",
        "code", "UNIMPLEMENTED")).isEqualTo(1);
    assertThat(metrics.samples().keySet()).noneMatch(series -> series.contains("nope.Service"));

    String endpoint = "127.0.0.1:" + backend.port();
    assertThat(metrics.value("opizontas_endpoint_state", "service", SERVICE, "endpoint", endpoint, "state", "routable"))
        .isEqualTo(1);
    assertThat(metrics.value("opizontas_endpoint_state", "service", SERVICE, "endpoint", endpoint, "state", "ejected"))
        .isZero();
    assertThat(metrics.value("opizontas_endpoint_upstream_sessions", "endpoint", endpoint)).isEqualTo(1);
    assertThat(metrics.value("opizontas_endpoint_connect_failures_total", "endpoint", endpoint)).isZero();
    assertThat(metrics.value("opizontas_client_connections")).isEqualTo(1);
    assertThat(metrics.samples().keySet()).anyMatch(series -> series.startsWith("opizontas_build_info{"));
  }

  @Test
  void metricsNeedTheTokenOnceOneIsConfiguredAndHealthzNever() throws Exception {
    HttpResponse<String> refused = AdminHttp.get(gateway.adminAddress(), "/metrics", null);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.body()).doesNotContain("opizontas_");
    assertThat(AdminHttp.get(gateway.adminAddress(), "/metrics", "Bearer wrong").statusCode()).isEqualTo(401);
    assertThat(AdminHttp.get(gateway.adminAddress(), "/healthz", null).statusCode()).isEqualTo(200);
  }

  private static Double finished(PrometheusText metrics, String method, String code) {
    return metrics.value("opizontas_calls_finished_total", "service", SERVICE, "method", method, "code", code);
  }

  private PrometheusText scrape() throws Exception {
    HttpResponse<String> response = AdminHttp.get(gateway.adminAddress(), "/metrics", "Bearer " + TOKEN);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
    return PrometheusText.parse(response.body());
  }

  private String echo(String code) {
    return new String(ClientCalls.blockingUnaryCall(channel, ECHO,
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), code.getBytes(StandardCharsets.UTF_8)),
        StandardCharsets.UTF_8);
  }

  private List<String> chat(List<String> messages) throws Exception {
    List<String> received = new ArrayList<>();
    CompletableFuture<List<String>> done = new CompletableFuture<>();
    StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(
        channel.newCall(ByteService.CHAT, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)), new StreamObserver<>() {
          @Override
          public void onNext(byte[] value) {
            received.add(new String(value, StandardCharsets.UTF_8));
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            done.complete(received);
          }
        });
    messages.forEach(m -> requests.onNext(m.getBytes(StandardCharsets.UTF_8)));
    requests.onCompleted();
    return done.get(10, TimeUnit.SECONDS);
  }

  private static MethodDescriptor<byte[], byte[]> method(String name, MethodType type) {
    return method(SERVICE, name, type);
  }

  private static MethodDescriptor<byte[], byte[]> method(String service, String name, MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
        .setRequestMarshaller(RawBytes.INSTANCE)
        .setResponseMarshaller(RawBytes.INSTANCE)
        .build();
  }
}

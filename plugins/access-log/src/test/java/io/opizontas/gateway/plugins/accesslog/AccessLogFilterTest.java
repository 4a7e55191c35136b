package io.opizontas.gateway.plugins.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.CallOutcome;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.PluginConfigException;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.api.testing.TestCall;
import io.opizontas.gateway.api.testing.TestPluginContext;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The filter on its own: what one line holds, in both formats, what it never holds, and sampling. */
class AccessLogFilterTest {

  private static final String LOGGER = "test.access";
  private static final String TOKEN = "Bearer s3cret-token";
  private static final String BINARY = "AAECAwQ=";
  private static final String API_KEY = "key-0123456789";

  private final Logger access = (Logger) LoggerFactory.getLogger(LOGGER);
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final TestPluginContext context = new TestPluginContext("access-log");

  /** A finished call with secrets in its metadata. */
  private static final Call CALL = new TestCall("helloworld.Greeter", "SayHello")
      .header("user-agent", "grpc-java-netty/1.79.0")
      .header("authorization", TOKEN)
      .header("x-trace-bin", BINARY)
      .header("X-Api-Key", API_KEY)
      .header("x-tenant", "acme corp \"eu\"")
      .header("x-tenant", "second");

  private static final CallOutcome OK = new CallOutcome(GrpcStatusCode.OK, Endpoint.of("10.0.0.7", 50051),
      "127.0.0.1:53412", 1_234_567, 105, 2_010);

  @BeforeEach
  void capture() {
    lines.start();
    access.addAppender(lines);
  }

  @AfterEach
  void release() {
    access.detachAppender(lines);
    context.close();
  }

  private AccessLogFilter started(Map<String, Object> settings) {
    Map<String, Object> all = new HashMap<>(settings);
    all.putIfAbsent("logger", LOGGER);
    AccessLogFilter filter = new AccessLogFilter();
    TablePluginConfig config = new TablePluginConfig("access-log", all);
    filter.start(config, context);
    config.rejectUnread();
    return filter;
  }

  private List<String> logged() {
    return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void aLogfmtLineHoldsTheCallsFieldsInOrder() {
    started(Map.of("metadata", List.of("user-agent", "x-tenant", "x-absent"))).onCallEnded(CALL, OK);

    assertThat(logged()).singleElement().asString()
        .matches("time=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z peer=127\\.0\\.0\\.1:53412 .*")
        .endsWith(" service=helloworld.Greeter method=SayHello endpoint=10.0.0.7:50051 status=OK duration_ms=1.234"
            + " request_bytes=105 response_bytes=2010 md.user-agent=grpc-java-netty/1.79.0"
            + " md.x-tenant=\"acme corp \\\"eu\\\",second\"");
    assertThat(lines.list.get(0).getLoggerName()).isEqualTo(LOGGER);
  }

  @Test
  void aJsonLineIsOneObjectWithTheSameFields() throws Exception {
    CallOutcome rejected = new CallOutcome(GrpcStatusCode.UNAUTHENTICATED, null, "[::1]:40000", 42_000, 0, 0);
    started(Map.of("format", "json", "metadata", List.of("x-tenant"))).onCallEnded(CALL, rejected);

    JsonNode line = new ObjectMapper().readTree(logged().get(0));
    assertThat(line.get("peer").asText()).isEqualTo("[::1]:40000");
    assertThat(line.get("service").asText()).isEqualTo("helloworld.Greeter");
    assertThat(line.get("method").asText()).isEqualTo("SayHello");
    assertThat(line.get("endpoint").isNull()).isTrue();
    assertThat(line.get("status").asText()).isEqualTo("UNAUTHENTICATED");
    assertThat(line.get("duration_ms").decimalValue()).isEqualByComparingTo("0.042");
    assertThat(line.get("request_bytes").asLong()).isZero();
    assertThat(line.get("md.x-tenant").asText()).isEqualTo("acme corp \"eu\",second");
    assertThat(line.get("time").asText()).endsWith("Z");
  }

  @Test
  void secretsNeverReachTheLineInEitherFormat() {
    for (String format : List.of("logfmt", "json")) {
      started(Map.of("format", format, "metadata", List.of("*"), "redact", List.of("X-API-KEY"))).onCallEnded(CALL, OK);
    }

    assertThat(logged()).hasSize(2).allSatisfy(line -> assertThat(line)
        .doesNotContain(TOKEN, "s3cret", BINARY, API_KEY)
        .contains("md.authorization", "md.x-trace-bin", "md.x-api-key", AccessLine.REDACTED)
        .contains("grpc-java-netty/1.79.0"));
  }

  @Test
  void sampleZeroLogsNothingAndAHalfLogsAboutHalf() {
    AccessLogFilter none = started(Map.of("sample", 0L));
    for (int i = 0; i < 1_000; i++) {
      none.onCallEnded(CALL, OK);
    }
    assertThat(lines.list).isEmpty();

    AccessLogFilter half = started(Map.of("sample", 0.5));
    for (int i = 0; i < 4_000; i++) {
      half.onCallEnded(CALL, OK);
    }
    // 4000 draws at p = 0.5: outside 1700..2300 is more than nine standard deviations away.
    assertThat(lines.list.size()).isBetween(1_700, 2_300);
  }

  @Test
  void durationsKeepMicroseconds() {
    assertThat(AccessLine.millis(0)).hasToString("0.000");
    assertThat(AccessLine.millis(7_000)).hasToString("0.007");
    assertThat(AccessLine.millis(12_345_678)).hasToString("12.345");
    assertThat(AccessLine.millis(3_000_090_000L)).hasToString("3000.090");
  }

  @Test
  void badSettingsNameTheirKey() {
    assertThatThrownBy(() -> started(Map.of("format", "xml")))
        .isInstanceOf(PluginConfigException.class)
        .hasMessageContaining("format").hasMessageContaining("expected \"logfmt\" or \"json\"");
    assertThatThrownBy(() -> started(Map.of("sample", 1.5)))
        .hasMessageContaining("sample").hasMessageContaining("from 0 (no call) to 1 (every call)");
    assertThatThrownBy(() -> started(Map.of("sample", "all")))
        .hasMessageContaining("sample");
    assertThatThrownBy(() -> started(Map.of("logger", " ")))
        .hasMessageContaining("logger");
    assertThatThrownBy(() -> started(Map.of("redacted", List.of("x"))))
        .hasMessageContaining("redacted").hasMessageContaining("unknown key");
  }
}

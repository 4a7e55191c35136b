package io.opizontas.gateway.plugins.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.TestGateways;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The packaged access-log jar behind the packaged token-auth jar, in a real gateway in front of a
 * real grpc-java backend, as the README configures them: one line per call with the right fields,
 * and no credential or binary value in any line.
 */
class AccessLogIT {

  private static final String TOKEN = "s3cret-token-for-the-access-log-test";
  private static final String WRONG_TOKEN = "wrong-token-that-must-not-be-logged";
  private static final byte[] TRACE = "secret-binary-trace".getBytes(StandardCharsets.US_ASCII);
  /** How the binary value travels: base64 without padding, as grpc-java writes it. */
  private static final String TRACE_BIN = Base64.getEncoder().withoutPadding().encodeToString(TRACE);
  private static final String API_KEY = "api-key-that-must-not-be-logged";

  @TempDir Path dir;

  private final Logger access = (Logger) LoggerFactory.getLogger("opizontas.access");
  private final Logger unsampled = (Logger) LoggerFactory.getLogger("test.unsampled");
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final ListAppender<ILoggingEvent> unsampledLines = new ListAppender<>();
  private GrpcBackend backend;
  private Gateway gateway;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    lines.start();
    access.addAppender(lines);
    unsampledLines.start();
    unsampled.addAppender(unsampledLines);
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(Path.of(System.getProperty("plugin.jar")), plugins.resolve("access-log.jar"));
    Files.copy(Path.of(System.getProperty("token-auth.jar")), plugins.resolve("token-auth.jar"));
    backend = GrpcBackend.of(new ByteService()::definition);
    Path toml = dir.resolve("gateway.toml");
    // The unsampled log comes last, so its end hook runs first: once a call's line is in the
    // sampled log, the unsampled one has had its chance.
    Files.writeString(toml, """
        [plugins]
        directory = "%s"

        [[chain]]
        plugin = "token-auth"
        [[chain.tokens]]
        sha256 = "%s"
        services = ["test.*"]

        [[chain]]
        plugin = "access-log"
        metadata = ["*"]
        redact = ["x-api-key"]

        [[chain]]
        plugin = "access-log"
        logger = "test.unsampled"
        sample = 0
        """.formatted(plugins, sha256(TOKEN)));
    gateway = Gateway.start(TestGateways.withChainOf(GatewayConfigReader.read(toml)));
    TestGateways.route(gateway, Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
    channel = TestGateways.channel(gateway);
  }

  @AfterEach
  void stop() throws Exception {
    access.detachAppender(lines);
    unsampled.detachAppender(unsampledLines);
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
    backend.close();
  }

  private static String sha256(String token) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
  }

  /** The channel with a bearer token, a binary trace header and an API key on every call. */
  private io.grpc.Channel as(String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    headers.put(Metadata.Key.of("x-trace-bin", Metadata.BINARY_BYTE_MARSHALLER), TRACE);
    headers.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), API_KEY);
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** The fields of logfmt line {@code index}, once it is in. */
  private Map<String, String> line(int index) {
    await().atMost(Duration.ofSeconds(5)).until(() -> lines.list.size() > index);
    Map<String, String> fields = new LinkedHashMap<>();
    for (String pair : lines.list.get(index).getFormattedMessage().split(" (?=[a-z_.-]+=)")) {
      int equals = pair.indexOf('=');
      fields.put(pair.substring(0, equals), pair.substring(equals + 1));
    }
    return fields;
  }

  @Test
  void oneLinePerCallWithItsFieldsAndNoSecretInAny() {
    // An OK call.
    assertThat(ClientCalls.blockingUnaryCall(as(TOKEN), ByteService.ECHO, CallOptions.DEFAULT, new byte[100])).hasSize(100);
    Map<String, String> ok = line(0);
    assertThat(ok).containsEntry("service", ByteService.SERVICE).containsEntry("method", "Echo")
        .containsEntry("endpoint", backend.endpoint().address()).containsEntry("status", "OK")
        .containsEntry("request_bytes", "105").containsEntry("response_bytes", "105");
    assertThat(ok.get("peer")).startsWith("127.0.0.1:");
    assertThat(ok.get("time")).endsWith("Z");
    assertThat(Double.parseDouble(ok.get("duration_ms"))).isPositive();
    assertThat(ok).as("token-auth stripped the credential before the call went on")
        .doesNotContainKey("md.authorization")
        .containsEntry("md.x-trace-bin", AccessLine.REDACTED).containsEntry("md.x-api-key", AccessLine.REDACTED);

    // An error from the backend.
    StatusRuntimeException notFound = catchThrowableOfType(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(as(TOKEN), ByteService.FAIL, CallOptions.DEFAULT, new byte[10]));
    assertThat(notFound.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(line(1)).containsEntry("method", "Fail").containsEntry("status", "NOT_FOUND")
        .containsEntry("endpoint", backend.endpoint().address()).containsEntry("request_bytes", "15")
        .containsEntry("response_bytes", "0");

    // A call token-auth rejects: the access log after it in the chain still sees its end.
    StatusRuntimeException rejected = catchThrowableOfType(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(as(WRONG_TOKEN), ByteService.ECHO, CallOptions.DEFAULT, new byte[10]));
    assertThat(rejected.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(line(2)).containsEntry("status", "UNAUTHENTICATED").containsEntry("endpoint", "-")
        .containsEntry("request_bytes", "0").containsEntry("response_bytes", "0")
        .containsEntry("md.authorization", AccessLine.REDACTED);

    // A stream: 20 messages of 1000 bytes back.
    Iterator<byte[]> stream = ClientCalls.blockingServerStreamingCall(as(TOKEN).newCall(ByteService.PRODUCE, CallOptions.DEFAULT),
        ByteBuffer.allocate(8).putInt(20).putInt(1000).array());
    int messages = 0;
    while (stream.hasNext()) {
      stream.next();
      messages++;
    }
    assertThat(messages).isEqualTo(20);
    assertThat(line(3)).containsEntry("method", "Produce").containsEntry("status", "OK")
        .containsEntry("request_bytes", "13").containsEntry("response_bytes", Integer.toString(20 * 1005));

    assertThat(lines.list).as("one line per call").hasSize(4);
    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).allSatisfy(text -> assertThat(text)
        .doesNotContain(TOKEN, WRONG_TOKEN, TRACE_BIN, "secret-binary-trace", API_KEY, "Bearer"));
    assertThat(unsampledLines.list).as("sample = 0 logs nothing").isEmpty();
  }
}

package io.opizontas.gateway.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.opizontas.gateway.api.CallOutcome;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.plugin.fixtures.EndLedger;
import io.opizontas.gateway.plugin.fixtures.EndRecordingFilter;
import io.opizontas.gateway.plugin.fixtures.ThrowingEndFilter;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.ByteService;
import io.opizontas.gateway.testing.GrpcBackend;
import io.opizontas.gateway.testing.TestGateways;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * CallFilter.onCallEnded through a real gateway and a real grpc-java backend: once per call that
 * reached the chain, for every filter, last configured first, with the status the client got, the
 * endpoint, and the message bytes each way; a hook that throws fails nothing.
 *
 * <p>The chain: {@code ledger-a} (records ends; rejects {@code x-reject}, holds {@code x-hold} until
 * its 1s timeout), {@code ledger-b} (records ends), {@code thrower} (throws from its end hook).
 */
class CallEndThroughGatewayTest {

  private static final Metadata.Key<String> CALL_ID = Metadata.Key.of("x-call-id", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir Path dir;

  private final Logger pluginsLog = (Logger) LoggerFactory.getLogger(Plugins.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final ByteService bytes = new ByteService();
  private GrpcBackend backend;
  private Gateway gateway;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    EndLedger.reset();
    logged.start();
    pluginsLog.addAppender(logged);
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    PluginJar.id("ledger-a").requires(">=0.1.1").extension(EndRecordingFilter.class).writeTo(plugins);
    PluginJar.id("ledger-b").requires(">=0.1.1").extension(EndRecordingFilter.class).writeTo(plugins);
    PluginJar.id("thrower").requires(">=0.1.1").extension(ThrowingEndFilter.class).writeTo(plugins);
    backend = GrpcBackend.of(bytes::definition);
    Path toml = dir.resolve("gateway.toml");
    Files.writeString(toml, """
        [plugins]
        directory = "%s"

        [[chain]]
        plugin = "ledger-a"
        timeout = "1s"

        [[chain]]
        plugin = "ledger-b"

        [[chain]]
        plugin = "thrower"
        """.formatted(plugins));
    gateway = Gateway.start(TestGateways.withChainOf(GatewayConfigReader.read(toml)));
    TestGateways.route(gateway, Map.of(ByteService.SERVICE, List.of(backend.endpoint())));
    channel = TestGateways.channel(gateway);
  }

  @AfterEach
  void stop() throws Exception {
    pluginsLog.detachAppender(logged);
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
    backend.close();
  }

  private static MethodDescriptor<byte[], byte[]> echoOf(String service) {
    return ByteService.ECHO.toBuilder().setFullMethodName(service + "/Echo").build();
  }

  /** A call to {@code method} with {@code x-call-id: callId} and each of {@code flags} set. */
  private <Q, A> ClientCall<Q, A> newCall(MethodDescriptor<Q, A> method, CallOptions options, String callId,
      String... flags) {
    Metadata headers = new Metadata();
    headers.put(CALL_ID, callId);
    for (String flag : flags) {
      headers.put(Metadata.Key.of(flag, Metadata.ASCII_STRING_MARSHALLER), "1");
    }
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers))
        .newCall(method, options);
  }

  private <Q, A> ClientCall<Q, A> newCall(MethodDescriptor<Q, A> method, String callId, String... flags) {
    return newCall(method, CallOptions.DEFAULT, callId, flags);
  }

  /** The ends recorded for {@code callId}, once both ledgers have it. */
  private List<EndLedger.End> endsOf(String callId) {
    await().atMost(Duration.ofSeconds(5))
        .until(() -> EndLedger.ends().stream().filter(e -> callId.equals(e.callId())).count() >= 2);
    List<EndLedger.End> ends = EndLedger.ends().stream().filter(e -> callId.equals(e.callId())).toList();
    assertThat(ends).extracting(EndLedger.End::filter).as("every filter's hook, last configured first")
        .containsExactly("ledger-b", "ledger-a");
    assertThat(ends.get(0).outcome()).isSameAs(ends.get(1).outcome());
    return ends;
  }

  private CallOutcome outcomeOf(String callId) {
    return endsOf(callId).get(0).outcome();
  }

  @Test
  void anOkCallEndsOnceWithItsEndpointAndBytesAndTheThrowingHookFailsNothing() {
    byte[] reply = ClientCalls.blockingUnaryCall(newCall(ByteService.ECHO, "ok"), new byte[100]);

    assertThat(reply).hasSize(100);
    CallOutcome outcome = outcomeOf("ok");
    assertThat(outcome.status()).isEqualTo(GrpcStatusCode.OK);
    assertThat(outcome.endpoint()).contains(backend.endpoint());
    assertThat(outcome.requestBytes()).as("one message and its 5-byte prefix").isEqualTo(105);
    assertThat(outcome.responseBytes()).isEqualTo(105);
    assertThat(outcome.peer()).startsWith("127.0.0.1:");
    assertThat(outcome.duration()).isPositive().isLessThan(Duration.ofSeconds(5));
    await().atMost(Duration.ofSeconds(5)).until(() -> logged.list.stream()
        .anyMatch(event -> event.getFormattedMessage().contains("call filter 'thrower'")));
    assertThat(logged.list).filteredOn(event -> event.getFormattedMessage().contains("'thrower'")).singleElement()
        .extracting(ILoggingEvent::getFormattedMessage).asString()
        .contains("threw java.lang.IllegalStateException in onCallEnded; the call was not affected");
  }

  @Test
  void aBackendErrorEndsWithTheStatusTheClientGot() {
    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(newCall(ByteService.FAIL, "error"), new byte[10]));

    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    CallOutcome outcome = outcomeOf("error");
    assertThat(outcome.status()).isEqualTo(GrpcStatusCode.NOT_FOUND);
    assertThat(outcome.endpoint()).contains(backend.endpoint());
    assertThat(outcome.requestBytes()).isEqualTo(15);
    assertThat(outcome.responseBytes()).isZero();
  }

  @Test
  void aRejectedCallEndsForEveryFilterWithoutAnEndpoint() {
    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(newCall(ByteService.ECHO, "rejected", "x-reject"), new byte[10]));

    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    CallOutcome outcome = outcomeOf("rejected");
    assertThat(outcome.status()).isEqualTo(GrpcStatusCode.PERMISSION_DENIED);
    assertThat(outcome.endpoint()).isEmpty();
    assertThat(outcome.requestBytes()).isZero();
    assertThat(outcome.responseBytes()).isZero();
  }

  @Test
  void anUnknownServiceEndsWithoutAnEndpoint() {
    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(newCall(echoOf("nowhere.Svc"), "unknown"), new byte[10]));

    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    CallOutcome outcome = outcomeOf("unknown");
    assertThat(outcome.status()).isEqualTo(GrpcStatusCode.UNIMPLEMENTED);
    assertThat(outcome.endpoint()).isEmpty();
  }

  @Test
  void aStreamCountsEveryMessageEachWay() {
    byte[] spec = ByteBuffer.allocate(8).putInt(20).putInt(1000).array();
    int messages = 0;
    Iterator<byte[]> stream = ClientCalls.blockingServerStreamingCall(newCall(ByteService.PRODUCE, "stream"), spec);
    while (stream.hasNext()) {
      stream.next();
      messages++;
    }

    assertThat(messages).isEqualTo(20);
    CallOutcome outcome = outcomeOf("stream");
    assertThat(outcome.status()).isEqualTo(GrpcStatusCode.OK);
    assertThat(outcome.requestBytes()).isEqualTo(13);
    assertThat(outcome.responseBytes()).isEqualTo(20 * 1005);
  }

  @Test
  void aCallTheClientCancelsMidStreamEndsCancelled() throws Exception {
    ClientCall<byte[], byte[]> call = newCall(ByteService.HANG, "cancelled");
    call.start(new ClientCall.Listener<>() {}, new Metadata());
    call.sendMessage(new byte[50]);
    call.request(1);
    assertThat(bytes.hangStarted.await(5, TimeUnit.SECONDS)).isTrue();
    call.cancel("test cancels", null);

    CallOutcome outcome = outcomeOf("cancelled");
    assertThat(outcome.status()).isEqualTo(GrpcStatusCode.CANCELLED);
    assertThat(outcome.endpoint()).contains(backend.endpoint());
  }

  @Test
  void aCallWhoseDeadlinePassedWhileAFilterHeldItEndsOnceTheVerdictComes() {
    // Connected first, so the deadline runs out in the filter, not while the channel connects.
    ClientCalls.blockingUnaryCall(newCall(ByteService.ECHO, "warm-up"), new byte[1]);
    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(newCall(ByteService.ECHO,
            CallOptions.DEFAULT.withDeadlineAfter(200, TimeUnit.MILLISECONDS), "held", "x-hold"), new byte[10]));

    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    // The call was over at the deadline; the filter's timeout (1s) gives the verdict later.
    CallOutcome outcome = outcomeOf("held");
    // Whichever ran out first: the gateway's timer for grpc-timeout, or the client's own (it resets).
    assertThat(outcome.status()).isIn(GrpcStatusCode.DEADLINE_EXCEEDED, GrpcStatusCode.CANCELLED);
    assertThat(outcome.endpoint()).isEmpty();
  }

  /**
   * Many calls at once, half of them rejected: a rejection can end a call, and close its stream,
   * before Jetty has even installed the call's stream listener, so the end must not wait for the
   * listener's onClosed.
   */
  @Test
  void everyCallEndsExactlyOnce() throws Exception {
    int calls = 200;
    List<ListenableFuture<byte[]>> answers = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      String[] flags = i % 2 == 0 ? new String[0] : new String[] {"x-reject"};
      answers.add(ClientCalls.futureUnaryCall(newCall(ByteService.ECHO, "call-" + i, flags), new byte[1]));
    }
    for (ListenableFuture<byte[]> answer : answers) {
      try {
        answer.get(10, TimeUnit.SECONDS);
      } catch (ExecutionException rejected) {
        assertThat(Status.fromThrowable(rejected).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      }
    }

    await().atMost(Duration.ofSeconds(5)).until(() -> EndLedger.ends().size() >= 2 * calls);
    assertThat(EndLedger.ends()).hasSize(2 * calls);
    for (int i = 0; i < calls; i++) {
      assertThat(endsOf("call-" + i)).hasSize(2);
    }
  }
}

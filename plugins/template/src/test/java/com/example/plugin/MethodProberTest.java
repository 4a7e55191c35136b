package com.example.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.EndpointCalls;
import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.HealthState;
import io.opizontas.gateway.api.testing.TestPluginContext;
import io.opizontas.gateway.api.testing.TomlPluginConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class MethodProberTest {

  private final Endpoint endpoint = Endpoint.of("10.0.0.1", 50051);

  /** A prober whose calls all get {@code answer}, as a backend answering with it would. */
  private static MethodProber answering(GrpcStatusCode answer) {
    EndpointCalls calls = (service, endpoint, method, request, deadline) ->
        CompletableFuture.completedFuture(new EndpointCalls.Response(GrpcStatus.of(answer, ""), null));
    MethodProber prober = new MethodProber();
    try (TestPluginContext context = new TestPluginContext("my-plugin").withEndpointCalls(calls)) {
      prober.start(TomlPluginConfig.parse("my-plugin", "method = \"shop.Cart/Ping\""), context);
    }
    return prober;
  }

  @Test
  void anOkAnswerIsHealthyAndAnyOtherFailsWithTheReason() throws Exception {
    assertThat(answering(GrpcStatusCode.OK).probe(endpoint, "shop.Cart", Duration.ofSeconds(1))
        .toCompletableFuture().get()).isEqualTo(HealthState.HEALTHY);

    CompletionStage<HealthState> failing =
        answering(GrpcStatusCode.UNAVAILABLE).probe(endpoint, "shop.Cart", Duration.ofSeconds(1));
    assertThat(failing.toCompletableFuture()).failsWithin(Duration.ofSeconds(1))
        .withThrowableOfType(ExecutionException.class)
        .withMessageContaining("shop.Cart/Ping answered UNAVAILABLE");
  }
}

package io.opizontas.gateway.api.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opizontas.gateway.api.CallFilter;
import io.opizontas.gateway.api.FilterResult;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class FilterRunTest {

  /** A filter whose verdict the test chooses. */
  private static CallFilter filter(Function<io.opizontas.gateway.api.Call, CompletionStage<FilterResult>> verdict) {
    return new CallFilter() {
      @Override
      public void start(PluginConfig config, PluginContext context) {}

      @Override
      public CompletionStage<FilterResult> onRequest(io.opizontas.gateway.api.Call call) {
        return verdict.apply(call);
      }
    };
  }

  @Test
  void anImmediateVerdictAndTheFiltersEditsAreSeen() {
    CallFilter stamping = filter(call -> {
      call.requestHeaders().set("x-checked", "yes");
      call.attributes().put("user", call.requestHeaders().get("x-user"));
      return CallFilter.proceed();
    });
    TestCall call = new TestCall("pkg.Svc", "Get").header("X-User", "ann");

    assertThat(FilterRun.verdict(stamping, call).proceeds()).isTrue();
    assertThat(call.requestHeaders().get("x-checked")).isEqualTo("yes");
    assertThat(call.attributes()).containsEntry("user", "ann");
  }

  @Test
  void aLaterVerdictIsWaitedFor() {
    CallFilter later = filter(call -> CompletableFuture.supplyAsync(
        () -> FilterResult.reject(GrpcStatusCode.PERMISSION_DENIED, "no")));

    FilterResult verdict = FilterRun.verdict(later, new TestCall("pkg.Svc", "Get"));

    assertThat(verdict.rejection()).hasValueSatisfying(s -> assertThat(s.code()).isEqualTo(GrpcStatusCode.PERMISSION_DENIED));
  }

  @Test
  void whatTheGatewayWouldFailTheCallForEndsTheRunSayingWhich() {
    TestCall call = new TestCall("pkg.Svc", "Get");

    assertThatThrownBy(() -> FilterRun.verdict(filter(c -> null), call))
        .isInstanceOf(AssertionError.class).hasMessageContaining("returned null");
    assertThatThrownBy(() -> FilterRun.verdict(filter(c -> CompletableFuture.failedFuture(new IllegalStateException("boom"))), call))
        .isInstanceOf(AssertionError.class).hasRootCauseMessage("boom");
    assertThatThrownBy(() -> FilterRun.verdict(filter(c -> new CompletableFuture<>()), call, Duration.ofMillis(20)))
        .isInstanceOf(AssertionError.class).hasMessageContaining("did not complete within PT0.02S");
  }

  @Test
  void aFilterWritingATransportHeaderFailsAsInTheGateway() {
    CallFilter rude = filter(call -> {
      call.requestHeaders().set("content-type", "text/plain");
      return CallFilter.proceed();
    });

    assertThatThrownBy(() -> FilterRun.verdict(rude, new TestCall("pkg.Svc", "Get")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
  }
}

package io.opizontas.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FilterResultTest {

  @Test
  void proceedCarriesNoStatus() {
    assertThat(FilterResult.proceed().proceeds()).isTrue();
    assertThat(FilterResult.proceed().rejection()).isEmpty();
  }

  @Test
  void rejectionCarriesItsStatus() {
    FilterResult result = FilterResult.reject(GrpcStatusCode.PERMISSION_DENIED, "not yours");
    assertThat(result.proceeds()).isFalse();
    assertThat(result.rejection()).contains(GrpcStatus.of(GrpcStatusCode.PERMISSION_DENIED, "not yours"));
  }

  @Test
  void aCallCannotBeRejectedWithOk() {
    assertThatThrownBy(() -> FilterResult.reject(GrpcStatusCode.OK, "fine"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theImmediateStagesAreAlreadyComplete() {
    assertThat(CallFilter.proceed().toCompletableFuture().join().proceeds()).isTrue();
    assertThat(CallFilter.proceed() == CallFilter.proceed()).as("one shared stage").isTrue();
    assertThat(CallFilter.reject(GrpcStatusCode.UNAUTHENTICATED, "who?").toCompletableFuture().join().rejection())
        .contains(GrpcStatus.of(GrpcStatusCode.UNAUTHENTICATED, "who?"));
  }

  @Test
  void theSharedProceedStageCannotBeCompletedByAPlugin() {
    // A minimal stage hands out copies, so obtruding one cannot change what every filter shares.
    CallFilter.proceed().toCompletableFuture().obtrudeValue(FilterResult.reject(GrpcStatusCode.INTERNAL, "x"));
    assertThat(CallFilter.proceed().toCompletableFuture().join().proceeds()).isTrue();
  }
}

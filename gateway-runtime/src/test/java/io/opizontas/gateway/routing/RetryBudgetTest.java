package io.opizontas.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.config.BalancingConfig;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

  @Test
  void aShareOfTheCallsInFlightMayRetryWithAFloor() {
    RetryBudget budget = new RetryBudget(new BalancingConfig.Retries(3, 20, 3));
    for (int i = 0; i < 20; i++) {
      budget.callStarted();
    }

    assertThat(budget.limit()).isEqualTo(4);
    for (int i = 0; i < 4; i++) {
      assertThat(budget.tryRetry()).isTrue();
    }
    assertThat(budget.tryRetry()).isFalse();
    assertThat(budget.describe()).isEqualTo("20% of 20 calls in flight, at least 3");

    budget.callEnded(true);
    budget.callStarted();
    assertThat(budget.tryRetry()).as("a retrying call that ended gives its place back").isTrue();
  }

  @Test
  void fewCallsInFlightStillGetTheFloor() {
    RetryBudget budget = new RetryBudget(new BalancingConfig.Retries(3, 20, 2));
    budget.callStarted();

    assertThat(budget.tryRetry()).isTrue();
    assertThat(budget.tryRetry()).isTrue();
    assertThat(budget.tryRetry()).isFalse();
  }

  @Test
  void endedCallsLeaveTheCount() {
    RetryBudget budget = new RetryBudget(new BalancingConfig.Retries(3, 50, 0));
    budget.callStarted();
    budget.callStarted();
    budget.callEnded(false);

    assertThat(budget.calls()).isEqualTo(1);
    assertThat(budget.tryRetry()).as("50% of 1 call rounds down to none").isFalse();
  }
}

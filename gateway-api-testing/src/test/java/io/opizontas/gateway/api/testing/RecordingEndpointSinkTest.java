package io.opizontas.gateway.api.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opizontas.gateway.api.Endpoint;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class RecordingEndpointSinkTest {

  private final RecordingEndpointSink sink = new RecordingEndpointSink();
  private final Endpoint a = Endpoint.of("10.0.0.1", 1);
  private final Endpoint b = Endpoint.of("10.0.0.2", 1);

  @Test
  void replaceAllWithdrawsTheServicesItNoLongerListsAndKeepsThemKnown() {
    Map<String, Set<Endpoint>> first = new LinkedHashMap<>();
    first.put("svc.A", Set.of(a));
    first.put("svc.B", Set.of(b));
    sink.replaceAll(first);

    sink.replaceAll(Map.of("svc.B", Set.of(a, b)));

    assertThat(sink.endpoints("svc.A")).isEmpty();
    assertThat(sink.endpoints("svc.B")).containsExactlyInAnyOrder(a, b);
    assertThat(sink.services()).containsOnlyKeys("svc.A", "svc.B");
    assertThat(sink.reports()).extracting(RecordingEndpointSink.Report::service)
        .containsExactly("svc.A", "svc.B", "svc.A", "svc.B");
  }

  @Test
  void badServiceNamesAreRefusedAndNothingOfSuchAReportIsRecorded() {
    assertThatThrownBy(() -> sink.update("", Set.of(a))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> sink.update("svc.A/Get", Set.of(a))).isInstanceOf(IllegalArgumentException.class);
    Map<String, Set<Endpoint>> half = new LinkedHashMap<>();
    half.put("svc.A", Set.of(a));
    half.put("bad/name", Set.of(a));
    assertThatThrownBy(() -> sink.replaceAll(half)).isInstanceOf(IllegalArgumentException.class);

    assertThat(sink.reports()).isEmpty();
  }

  @Test
  void awaitReturnsOnceAReportFromAnotherThreadMeetsTheConditionAndFailsAfterItsBound() {
    CompletableFuture.runAsync(() -> sink.update("svc.A", Set.of(a)));

    assertThat(sink.awaitEndpoints("svc.A", Set.of(a), Duration.ofSeconds(5))).containsExactly(a);
    assertThatThrownBy(() -> sink.awaitEndpoints("svc.A", Set.of(b), Duration.ofMillis(50)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("svc.A");
  }
}

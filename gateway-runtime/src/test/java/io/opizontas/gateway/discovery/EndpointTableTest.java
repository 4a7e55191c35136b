package io.opizontas.gateway.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.EndpointSink;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EndpointTableTest {

  private final EndpointTable table = new EndpointTable();

  @Test
  void aServicesListIsTheSameInstanceUntilItsSetChanges() {
    EndpointSink sink = table.sink("static#0");
    sink.update("svc.A", Set.of(Endpoint.of("10.0.0.1", 1)));
    List<Endpoint> first = table.lookup("svc.A").asList();

    sink.update("svc.A", Set.of(Endpoint.of("10.0.0.1", 1)));
    assertThat(table.lookup("svc.A").asList()).isSameAs(first);

    sink.update("svc.A", Set.of(Endpoint.of("10.0.0.1", 1), Endpoint.of("10.0.0.2", 1)));
    assertThat(table.lookup("svc.A").asList()).isNotSameAs(first).hasSize(2);
  }

  @Test
  void reportsOfSeveralSourcesAreMergedAndEachWithdrawsOnlyItsOwn() {
    EndpointSink memory = table.sink("memory#0");
    EndpointSink consul = table.sink("consul#1");
    memory.update("svc.A", Set.of(Endpoint.of("10.0.0.1", 1)));
    consul.update("svc.A", Set.of(Endpoint.of("10.0.0.2", 1)));
    assertThat(table.lookup("svc.A").asList())
        .containsExactlyInAnyOrder(Endpoint.of("10.0.0.1", 1), Endpoint.of("10.0.0.2", 1));

    memory.update("svc.A", Set.of());
    assertThat(table.lookup("svc.A").asList()).containsExactly(Endpoint.of("10.0.0.2", 1));
  }

  @Test
  void aReplaceAllReportWithdrawsTheServicesItNoLongerListsAndOnlyThisSourcesOwn() {
    Endpoint a = Endpoint.of("10.0.0.1", 1);
    Endpoint b = Endpoint.of("10.0.0.2", 1);
    EndpointSink file = table.sink("file#0");
    table.sink("memory#1").update("svc.A", Set.of(b));
    file.replaceAll(Map.of("svc.A", Set.of(a), "svc.B", Set.of(a)));
    assertThat(table.lookup("svc.A").asList()).containsExactlyInAnyOrder(a, b);

    file.replaceAll(Map.of("svc.C", Set.of(b)));

    // Withdrawn, not forgotten: known services with no endpoint answer UNAVAILABLE, not UNIMPLEMENTED.
    assertThat(table.lookup("svc.A").asList()).containsExactly(b);
    assertThat(table.lookup("svc.B").isEmpty()).isTrue();
    assertThat(table.lookup("svc.C").asList()).containsExactly(b);
  }

  @Test
  void aServiceNameThatIsEmptyOrHasASlashIsRefusedAndNothingOfTheReportApplied() {
    EndpointSink sink = table.sink("file#0");
    Endpoint a = Endpoint.of("10.0.0.1", 1);

    assertThatThrownBy(() -> sink.update("", Set.of(a)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("service name is empty");
    assertThatThrownBy(() -> sink.update("/svc.A/Get", Set.of(a)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contains '/'");
    Map<String, Set<Endpoint>> report = new LinkedHashMap<>();
    report.put("svc.A", Set.of(a));
    report.put("svc.B/Get", Set.of(a));
    assertThatThrownBy(() -> sink.replaceAll(report)).isInstanceOf(IllegalArgumentException.class);

    assertThat(table.lookup("svc.A")).isNull();
    assertThat(table.lookup("")).isNull();
  }

  @Test
  void aClosedSinkIgnoresReportsAndLeavesWhatItReported() {
    SourceSink sink = table.sink("zookeeper#0");
    sink.update("svc.A", Set.of(Endpoint.of("10.0.0.1", 1)));

    sink.close();
    sink.update("svc.A", Set.of());
    sink.replaceAll(Map.of("svc.B", Set.of(Endpoint.of("10.0.0.2", 1))));

    assertThat(table.lookup("svc.A").asList()).containsExactly(Endpoint.of("10.0.0.1", 1));
    assertThat(table.lookup("svc.B")).isNull();
  }

  @Test
  void anAddressReportedTwiceGetsOneTurn() {
    table.sink("a").update("svc.A", Set.of(new Endpoint("10.0.0.1", 1, 1, "", Map.of("from", "a"))));
    table.sink("b").update("svc.A", Set.of(new Endpoint("10.0.0.1", 1, 1, "", Map.of("from", "b"))));
    assertThat(table.lookup("svc.A").size()).isEqualTo(1);
  }

  @Test
  void aServiceThatLosesItsLastEndpointStaysKnownButEmpty() {
    assertThat(table.lookup("svc.A")).isNull();
    table.sink("a").update("svc.A", Set.of(Endpoint.of("10.0.0.1", 1)));
    table.sink("a").update("svc.A", Set.of());
    ServiceEndpoints empty = table.lookup("svc.A");
    assertThat(empty).isNotNull();
    assertThat(empty.isEmpty()).isTrue();
    assertThat(empty.asList()).isEmpty();
  }

  @Test
  void listenersHearChangesOnlyAndStopWhenClosed() {
    List<String> heard = new ArrayList<>();
    EndpointTable.Subscription subscription = table.subscribe(e -> heard.add(e.service() + "=" + e.size()));
    EndpointSink sink = table.sink("a");
    sink.update("svc.A", Set.of(Endpoint.of("10.0.0.1", 1)));
    sink.update("svc.A", Set.of(Endpoint.of("10.0.0.1", 1))); // no change: no news
    sink.update("svc.A", Set.of());
    subscription.close();
    sink.update("svc.A", Set.of(Endpoint.of("10.0.0.1", 1)));
    assertThat(heard).containsExactly("svc.A=1", "svc.A=0");
  }

  @Test
  void aFailingListenerDoesNotStopTheUpdate() {
    table.subscribe(e -> {
      throw new IllegalStateException("boom");
    });
    table.sink("a").update("svc.A", Set.of(Endpoint.of("10.0.0.1", 1)));
    assertThat(table.lookup("svc.A").size()).isEqualTo(1);
  }

  @Test
  void noRegistryMaySupplyTheGatewaysOwnServicesOnlyTheGatewayDoes() {
    String registry = "opizontas.registry.v1.Registry";
    assertThat(EndpointTable.GATEWAY_SERVICES).containsExactlyInAnyOrder(registry, "grpc.health.v1.Health");
    List<String> heard = new ArrayList<>();
    table.subscribe(e -> heard.add(e.service()));

    table.sink("static#0").update(registry, Set.of(Endpoint.of("10.6.6.6", 50051)));
    table.sink("zookeeper#1").update(registry, Set.of(Endpoint.of("10.6.6.7", 50051)));
    assertThat(table.lookup(registry)).isNull();
    assertThat(heard).isEmpty();

    table.gatewaySink().update(registry, Set.of(Endpoint.of("127.0.0.1", 40000)));
    table.sink("static#0").update(registry, Set.of(Endpoint.of("10.6.6.6", 50051)));
    assertThat(table.lookup(registry).asList()).containsExactly(Endpoint.of("127.0.0.1", 40000));
  }
}

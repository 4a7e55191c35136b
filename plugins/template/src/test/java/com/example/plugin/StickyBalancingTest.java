package com.example.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.testing.TestCall;
import io.opizontas.gateway.api.testing.TestPluginContext;
import io.opizontas.gateway.api.testing.TomlPluginConfig;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StickyBalancingTest {

  private final List<Endpoint> three = List.of(
      Endpoint.of("10.0.0.1", 50051), Endpoint.of("10.0.0.2", 50051), Endpoint.of("10.0.0.3", 50051));

  @Test
  void oneSessionGetsOneEndpointAndSessionsSpread() {
    StickyBalancing strategy = new StickyBalancing();
    try (TestPluginContext context = new TestPluginContext("my-plugin")) {
      strategy.start(TomlPluginConfig.parse("my-plugin", "header = \"x-user\""), context);
    }
    Balancer balancer = strategy.newBalancer("shop.Cart");

    Set<Endpoint> picked = new HashSet<>();
    for (int user = 0; user < 100; user++) {
      TestCall call = new TestCall("shop.Cart", "Get").header("x-user", "user-" + user);
      Endpoint first = balancer.pick(three, call);
      assertThat(balancer.pick(three, call)).isEqualTo(first);
      picked.add(first);
    }
    assertThat(picked).containsExactlyInAnyOrderElementsOf(three);
  }
}

package io.opizontas.gateway.plugins.balancers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.PluginConfigException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RingHashTest {

  private final List<Endpoint> five = Picks.endpoints(5);

  private static Balancer ringHash(Map<String, Object> options) throws Exception {
    return Picks.balancer(new RingHashStrategy(), options);
  }

  private static Endpoint pick(Balancer balancer, List<Endpoint> endpoints, String user) {
    return balancer.pick(endpoints, Picks.call().header("x-user-id", user));
  }

  @Test
  void theSameKeyAlwaysReachesTheSameEndpoint() throws Exception {
    Balancer balancer = ringHash(Map.of("key", "x-user-id"));
    Map<Endpoint, Integer> perEndpoint = new HashMap<>();
    for (int user = 0; user < 1_000; user++) {
      Endpoint first = pick(balancer, five, "user-" + user);
      perEndpoint.merge(first, 1, Integer::sum);
      for (int again = 0; again < 10; again++) {
        assertThat(pick(balancer, five, "user-" + user)).isEqualTo(first);
      }
    }
    assertThat(perEndpoint).as("keys spread over every endpoint").containsOnlyKeys(five);
  }

  @Test
  void anotherBalancerOrAnotherListOrderMapsKeysAlike() throws Exception {
    Balancer one = ringHash(Map.of("key", "x-user-id"));
    Balancer other = ringHash(Map.of("key", "x-user-id"));
    List<Endpoint> reversed = new ArrayList<>(five);
    java.util.Collections.reverse(reversed);
    for (int user = 0; user < 1_000; user++) {
      assertThat(pick(other, List.copyOf(reversed), "u" + user)).isEqualTo(pick(one, five, "u" + user));
    }
  }

  @Test
  void removingOneOfFiveEndpointsMovesOnlyItsKeysAboutAFifth() throws Exception {
    Balancer balancer = ringHash(Map.of("key", "x-user-id"));
    Endpoint removed = five.get(3);
    List<Endpoint> four = five.stream().filter(e -> !e.equals(removed)).toList();
    List<Endpoint> before = new ArrayList<>();
    for (int user = 0; user < 10_000; user++) {
      before.add(pick(balancer, five, "user-" + user));
    }

    int moved = 0;
    for (int user = 0; user < 10_000; user++) {
      Endpoint after = pick(balancer, four, "user-" + user);
      if (!after.equals(before.get(user))) {
        moved++;
        assertThat(before.get(user)).as("only keys of the removed endpoint move").isEqualTo(removed);
      } else {
        assertThat(after).isNotEqualTo(removed);
      }
    }
    assertThat(moved).isBetween(1_000, 3_000);
  }

  @Test
  void callsWithoutTheKeyUseTheRoundRobinFallbackByDefault() throws Exception {
    Balancer balancer = ringHash(Map.of("key", "x-user-id"));

    Map<Endpoint, Integer> counts = Picks.count(balancer, five, 5_000);

    assertThat(counts).containsOnlyKeys(five);
    assertThat(counts.values()).containsOnly(1_000);
  }

  @Test
  void callsWithoutTheKeyCanFallBackToRandom() throws Exception {
    Balancer balancer = ringHash(Map.of("key", "x-user-id", "fallback", "random"));

    Map<Endpoint, Integer> counts = Picks.count(balancer, five, 5_000);

    assertThat(counts).containsOnlyKeys(five);
    assertThat(counts.values()).as("random, not round-robin's exact 1,000 each").isNotEqualTo(List.of(1_000, 1_000, 1_000, 1_000, 1_000));
  }

  @Test
  void theKeyIsMatchedWithoutRegardToCase() throws Exception {
    Balancer upper = ringHash(Map.of("key", "X-User-Id"));
    Balancer lower = ringHash(Map.of("key", "x-user-id"));
    for (int user = 0; user < 100; user++) {
      assertThat(pick(upper, five, "u" + user)).isEqualTo(pick(lower, five, "u" + user));
    }
  }

  @Test
  void startingWithoutAKeyIsRefusedNamingIt() {
    assertThatThrownBy(() -> ringHash(Map.of()))
        .isInstanceOf(PluginConfigException.class)
        .hasMessageContaining("required")
        .extracting(e -> ((PluginConfigException) e).key()).isEqualTo("key");
  }

  @Test
  void badOptionsAreRefusedNamingTheirKey() {
    assertThatThrownBy(() -> ringHash(Map.of("key", ":authority")))
        .isInstanceOf(PluginConfigException.class)
        .extracting(e -> ((PluginConfigException) e).key()).isEqualTo("key");
    assertThatThrownBy(() -> ringHash(Map.of("key", "x-user-id", "ring_size", 0L)))
        .isInstanceOf(PluginConfigException.class)
        .extracting(e -> ((PluginConfigException) e).key()).isEqualTo("ring_size");
    assertThatThrownBy(() -> ringHash(Map.of("key", "x-user-id", "fallback", "least-request")))
        .isInstanceOf(PluginConfigException.class)
        .extracting(e -> ((PluginConfigException) e).key()).isEqualTo("fallback");
    assertThatThrownBy(() -> ringHash(Map.of("key", "x-user-id", "keys", "x")))
        .isInstanceOf(PluginConfigException.class)
        .extracting(e -> ((PluginConfigException) e).key()).isEqualTo("keys");
  }
}

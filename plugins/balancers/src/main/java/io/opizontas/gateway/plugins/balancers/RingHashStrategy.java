package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.BalancingStrategy;
import io.opizontas.gateway.api.Metadata;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import org.pf4j.Extension;

/**
 * Affinity: every call carrying the same value of a metadata key (a user id, a cart id) reaches the
 * same endpoint, so that endpoint's caches stay warm, and a change of the set moves as few keys as
 * possible: removing one of N endpoints moves about 1/N of the keys, only those it held.
 *
 * <pre>
 * strategy = "ring-hash"
 * key = "x-user-id"          # required: the request metadata key whose first value is hashed
 * ring_size = 100            # points per endpoint on the ring, 1..10000 (default 100)
 * fallback = "round-robin"   # for calls without the key: "round-robin" (default) or "random"
 * </pre>
 *
 * <p>{@code ring_size} counts points per endpoint rather than for the whole ring on purpose: a total
 * would be shared out again whenever the set changes, moving points of endpoints that stayed and so
 * keys that had no reason to move. 100 points keep each endpoint's share within about ±10% of
 * even; more evens it out further at 12 bytes a point. Endpoint weights are ignored.
 */
@Extension
public final class RingHashStrategy implements BalancingStrategy {

  /** The id this strategy is chosen by in the configuration. */
  public static final String ID = "ring-hash";

  private static final int DEFAULT_RING_SIZE = 100;
  private static final int MAX_RING_SIZE = 10_000;

  private String key;
  private int pointsPerEndpoint;
  private boolean randomFallback;

  @Override
  public String id() {
    return ID;
  }

  @Override
  public void start(PluginConfig config, PluginContext context) {
    config.allowKeys("key", "ring_size", "fallback");
    String configured = config.string("key")
        .orElseThrow(() -> config.invalid("key", "required: the request metadata key to hash, e.g. \"x-user-id\""));
    try {
      key = Metadata.checkWritableKey(configured);
    } catch (IllegalArgumentException e) {
      throw config.invalid("key", e.getMessage());
    }
    long ringSize = config.integer("ring_size", DEFAULT_RING_SIZE);
    if (ringSize < 1 || ringSize > MAX_RING_SIZE) {
      throw config.invalid("ring_size", "points per endpoint must be 1.." + MAX_RING_SIZE + ", not " + ringSize);
    }
    pointsPerEndpoint = (int) ringSize;
    String fallback = config.string("fallback", RoundRobinStrategy.ID);
    if (!fallback.equals(RoundRobinStrategy.ID) && !fallback.equals(RandomStrategy.ID)) {
      throw config.invalid("fallback", "expected \"" + RoundRobinStrategy.ID + "\" or \"" + RandomStrategy.ID + "\", not \"" + fallback + "\"");
    }
    randomFallback = fallback.equals(RandomStrategy.ID);
  }

  @Override
  public Balancer newBalancer(String service) {
    Balancer fallback = randomFallback ? new RandomBalancer() : new RoundRobinBalancer();
    return new RingHashBalancer(key, pointsPerEndpoint, fallback);
  }
}

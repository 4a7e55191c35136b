package io.opizontas.gateway.api;

import org.pf4j.ExtensionPoint;

/**
 * A way of spreading calls over endpoints: round-robin, random, weighted, least-request, ring-hash.
 * The strategy is the factory; each service gets its own {@link Balancer}, so per-service state (a
 * counter, a ring) never mixes.
 *
 * <p><b>Life cycle.</b> The runtime makes one instance per configured use (the default strategy, and
 * each per-service entry that names this plugin with its own options), calls {@link #start} once
 * before the gateway accepts calls, and {@link #close} once at shutdown. If {@code start} throws, the
 * gateway refuses to start and names the plugin and the cause.
 * A configuration reload makes fresh instances the same way, beside the running ones (see the
 * package documentation).
 *
 * <p><b>Threading.</b> {@link #newBalancer} may be called from any thread, concurrently, whenever a
 * service first needs one; it must be quick and must not block.
 */
public interface BalancingStrategy extends ExtensionPoint {

  /**
   * Reads and validates the strategy's options (for ring-hash, the metadata key to hash).
   *
   * @throws Exception when the options are unusable; the gateway then refuses to start
   */
  void start(PluginConfig config, PluginContext context) throws Exception;

  /**
   * The name the configuration uses for this strategy ({@code strategy = "ring-hash"}), such as
   * {@code round-robin}: lower case, unique among the loaded plugins. A plugin may contribute several
   * strategies, each with its own id; the gateway refuses to start when two plugins claim one id.
   * Called before {@link #start}, so it must not depend on the configuration.
   */
  String id();

  /** A balancer for {@code service}; the runtime keeps it for as long as the service exists. */
  Balancer newBalancer(String service);

  /**
   * Releases what {@link #start} acquired. Called once, after the last pick, and only if {@code
   * start} returned normally; must not throw.
   */
  default void close() {}
}

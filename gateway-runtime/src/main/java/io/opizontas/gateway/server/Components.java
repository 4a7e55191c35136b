package io.opizontas.gateway.server;

import io.opizontas.gateway.api.RegistryBackend;
import io.opizontas.gateway.config.BalancingConfig;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.discovery.RegistryBackends;
import io.opizontas.gateway.health.HealthTable;
import io.opizontas.gateway.health.ProbeScheduler;
import io.opizontas.gateway.plugin.Plugins;
import io.opizontas.gateway.proxy.CallFilters;
import io.opizontas.gateway.routing.Router;
import io.opizontas.gateway.routing.ServiceBalancers;
import java.util.function.Predicate;

/**
 * What the gateway builds from the reloadable part of its configuration: the call filter chain, the
 * balancers and the router over them, the health probes and the registry backends, with the plugin
 * extensions they use started in a {@linkplain Plugins#newScope scope} of their own. Start-up builds
 * one; a reload builds the next beside it, swaps it in and retires this one. The tables they feed
 * (endpoints, health) and the listeners outlive them.
 */
final class Components implements AutoCloseable {

  final Plugins extensions;
  final CallFilters filters;
  final Router router;
  final RegistryBackends registries;
  /** Null when the configuration probes nothing. */
  private final ProbeScheduler probes;

  private Components(Plugins extensions, CallFilters filters, Router router, RegistryBackends registries,
      ProbeScheduler probes) {
    this.extensions = extensions;
    this.filters = filters;
    this.router = router;
    this.registries = registries;
    this.probes = probes;
  }

  /**
   * Starts everything {@code config} names. Registries start last, because what they report is
   * routed at once: a failure before them leaves the routing table untouched.
   *
   * @param previous the components in use, whose registry backends the new ones may take over
   *     (see {@link RegistryBackends#start}); null at start-up
   * @param generation 0 at start-up, then one more per reload
   * @throws RuntimeException what failed to start ({@link io.opizontas.gateway.config.ConfigException},
   *     {@link io.opizontas.gateway.plugin.PluginLoadException}), after stopping what had started
   */
  static Components build(GatewayConfig config, Plugins plugins, EndpointTable endpoints, HealthTable health,
      Components previous, int generation) {
    Plugins scope = plugins.newScope();
    ProbeScheduler probes = null;
    try {
      CallFilters filters = scope.startChain(config.chain());
      ServiceBalancers balancers = ServiceBalancers.start(config.balancing(),
          System.getenv(BalancingConfig.ZONE_VARIABLE), scope::startStrategy);
      probes = ProbeScheduler.start(config.health(), endpoints, health, scope::startProber);
      RegistryBackends registries = RegistryBackends.start(config.registries(), config.registration(),
          id -> scope.create(RegistryBackend.class, id), scope::context, endpoints,
          previous == null ? null : previous.registries, generation);
      return new Components(scope, filters, new Router(endpoints, health, balancers), registries, probes);
    } catch (RuntimeException | Error e) {
      if (probes != null) {
        probes.close();
      }
      scope.close();
      throw e;
    }
  }

  /** The probes of these components; null when the configuration probes nothing. */
  ProbeScheduler probes() {
    return probes;
  }

  /** Whether these components' probes cover {@code service}. */
  Predicate<String> probed() {
    return probes == null ? service -> false : probes::covers;
  }

  /**
   * {@code successor} is in use: probes stop at once (the successor's run), and so do the registry
   * backends it did not take over, withdrawing their routes. The extensions stay until the calls
   * that started with them are over: the caller closes {@link #extensions} then.
   */
  void handOver(Components successor) {
    if (probes != null) {
      probes.close();
    }
    registries.retire(successor.registries);
  }

  /** Stops everything, as the gateway stops. */
  @Override
  public void close() {
    if (probes != null) {
      probes.close();
    }
    registries.close();
    extensions.close();
  }
}

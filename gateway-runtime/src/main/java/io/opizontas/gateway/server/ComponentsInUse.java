package io.opizontas.gateway.server;

import io.opizontas.gateway.config.ConfigException;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.RestartSettings;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.health.HealthTable;
import io.opizontas.gateway.health.ProbeScheduler;
import io.opizontas.gateway.plugin.PluginLoadException;
import io.opizontas.gateway.plugin.Plugins;
import io.opizontas.gateway.proxy.GrpcCallAcceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Components} new calls use, the configuration they were built from, and the replaced
 * ones still waiting for their calls to end. A reload builds the next components beside the current
 * ones, swaps them in for new calls, and retires the old: calls already running keep the chain and
 * routes they started with.
 */
final class ComponentsInUse implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ComponentsInUse.class);

  private final Plugins plugins;
  private final EndpointTable endpoints;
  private final HealthTable health;
  private final GrpcCallAcceptor acceptor;
  private final Supplier<List<Stream>> openCalls;
  private final Scheduler scheduler;
  private final List<Retirement> retiring = new ArrayList<>();
  // Guarded by this.
  private GatewayConfig config;
  private Components current;
  private int generation;
  private boolean closed;

  ComponentsInUse(GatewayConfig config, Components current, Plugins plugins, EndpointTable endpoints,
      HealthTable health, GrpcCallAcceptor acceptor, Supplier<List<Stream>> openCalls, Scheduler scheduler) {
    this.config = config;
    this.current = current;
    this.plugins = plugins;
    this.endpoints = endpoints;
    this.health = health;
    this.acceptor = acceptor;
    this.openCalls = openCalls;
    this.scheduler = scheduler;
  }

  /** The configuration in use: the last one applied, with the settings that need a restart as started. */
  /** The probes in use; null when the configuration in use probes nothing. */
  synchronized ProbeScheduler probes() {
    return current.probes();
  }

  synchronized GatewayConfig config() {
    return config;
  }

  /**
   * Builds components from {@code next} and, once every one of them started, swaps them in; on any
   * failure nothing changes. Settings that need a restart keep their value and are named in the
   * outcome.
   */
  synchronized ReloadOutcome reload(GatewayConfig next) {
    if (closed) {
      return ReloadOutcome.refused("the gateway is stopping");
    }
    List<String> restartNeeded = RestartSettings.changed(config, next);
    GatewayConfig applied = RestartSettings.kept(config, next);
    Components fresh;
    try {
      fresh = Components.build(applied, plugins, endpoints, health, current, generation + 1);
    } catch (ConfigException | PluginLoadException e) {
      return ReloadOutcome.refused(e.getMessage());
    } catch (RuntimeException e) {
      LOG.debug("Reload failed", e);
      return ReloadOutcome.refused("failed to start: " + e);
    }
    generation++;
    Components old = current;
    // Swapped, then looked at: a call that may still use the old components is open now.
    acceptor.reroute(fresh.router, fresh.filters);
    List<Stream> before = openCalls.get();
    health.reconfigure(applied.health(), fresh.probed());
    old.handOver(fresh);
    current = fresh;
    config = applied;
    retiring.removeIf(Retirement::isDone);
    retiring.add(Retirement.start(before, old.filters::retire, scheduler, applied.server().drainTimeout(),
        old.extensions::close));
    return ReloadOutcome.applied(restartNeeded);
  }

  /** Stops the current components and, at once, the retiring ones: the gateway is stopping. */
  @Override
  public synchronized void close() {
    closed = true;
    retiring.forEach(Retirement::close);
    retiring.clear();
    current.close();
  }
}

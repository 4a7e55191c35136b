package io.opizontas.gateway.api;

import java.util.Optional;
import org.pf4j.ExtensionPoint;

/**
 * A source of service endpoints: a static list, an in-memory lease table, ZooKeeper, Consul.
 *
 * <p>The runtime makes one instance per configured {@code [[registries]]} entry, calls {@link #start}
 * once before the gateway accepts calls, and {@link #close} once at shutdown. Between the two, the
 * backend reports changes to the {@link EndpointSink} from any thread it likes.
 * A configuration reload makes fresh instances for the entries it changed, beside the running
 * ones (see the package documentation).
 *
 * <p><b>The first report.</b> The sink works from the moment {@code start} is called, and reports
 * made inside {@code start} are in the routing table when it returns. The gateway starts its
 * backends one after the other and accepts calls once every {@code start} has returned; it does not
 * wait for a report beyond that, and sets no time limit of its own on {@code start}. So a backend
 * whose endpoints must be routable from the first call reports them inside {@code start} (an
 * initial fetch, bounded by a timeout of its own); one that reports later, from a watcher, lets
 * calls to its services fail with {@code UNIMPLEMENTED} until then.
 *
 * <p><b>Failures.</b> If {@code start} throws, the gateway refuses to start and names the plugin.
 * After start, a backend that loses its source (a registry outage) should keep its last report and
 * log the outage: the runtime keeps routing to the last known endpoints.
 *
 * <p><b>Closing.</b> From the moment the runtime begins to close a backend, whatever it reports is
 * ignored: watchers and timers that fire late need no guard of the backend's own.
 */
public interface RegistryBackend extends ExtensionPoint {

  /**
   * Starts reporting. May block for a bounded time (an initial fetch), never for ever: the gateway
   * waits for it before it accepts calls. May report to {@code sink} before returning.
   *
   * @param config  this backend's TOML section
   * @param context clock, logger, metrics, scheduler and blocking executor lent by the runtime
   * @param sink    where to report endpoints; keep it for as long as the backend runs
   * @throws Exception when the backend cannot start; the gateway then refuses to start
   */
  void start(PluginConfig config, PluginContext context, EndpointSink sink) throws Exception;

  /**
   * The writable side of this backend, if it can store registrations made through the gateway's
   * registration API. Called after {@link #start}; the default is read-only.
   */
  default Optional<Registrar> registrar() {
    return Optional.empty();
  }

  /**
   * Stops reporting and releases connections and threads. Called once, and only if {@link #start}
   * returned normally; must not throw. Reports made from now on are ignored. Leases held
   * only by this gateway end with it (a memory registry forgets them); leases in a shared store
   * (ZooKeeper) stay for the other gateways until their TTL.
   */
  void close();
}

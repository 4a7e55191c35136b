package io.opizontas.gateway.api;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The writable side of a {@link RegistryBackend}: stores registrations made through the gateway's
 * registration API ({@code opizontas.registry.v1.Registry}) as leases.
 *
 * <p>A backend that offers one returns it from {@link RegistryBackend#registrar()}; {@code
 * [registration] backend = "<id>"} picks which configured backend takes the writes. Endpoints
 * registered here must reach the routing table through the backend's own {@link EndpointSink}
 * (directly, or through the shared store it reads, as ZooKeeper does), and must leave it as soon as
 * their lease ends.
 *
 * <p><b>Threading.</b> The runtime calls these methods from the registration API's worker threads,
 * concurrently, never from the data path, and only between the backend's {@code start} and {@code
 * close}. Implementations must be thread-safe.
 *
 * <p><b>Blocking.</b> Each call may block for a bounded time (one round trip to a shared store);
 * keep-alives arrive every few seconds per lease, so {@link #keepAlive} should be cheap and local
 * where the store allows.
 *
 * <p><b>Time.</b> Measure a lease's lifetime on a monotonic clock ({@link System#nanoTime}), not the
 * wall clock: a clock step must neither end leases early nor keep them past their TTL.
 *
 * <p><b>Failures.</b> Input has been validated by the runtime (service names are gRPC service names,
 * the endpoint does not point at the gateway). An exception thrown here means the store cannot take
 * the call right now: the runtime answers the caller UNAVAILABLE with the exception's message and
 * changes nothing else; it never reaches other calls.
 */
public interface Registrar {

  /**
   * Registers {@code endpoint} for every service in {@code services} under one lease.
   *
   * <p>Idempotent: registering the same service set and the same {@code host:port} again while the
   * lease lives refreshes that lease, replaces its weight, zone and metadata, and returns the same
   * id. The registry reports each address once per service, whatever the number of leases naming
   * it.
   *
   * @param services non-empty set of service names
   * @param endpoint where the services are served
   * @param ttl      the lifetime the gateway asks for; the backend may grant less, never zero
   * @return the lease, with the TTL granted
   * @throws Exception when the store cannot take the registration; nothing was registered
   */
  RegistryLease register(Set<String> services, Endpoint endpoint, Duration ttl) throws Exception;

  /**
   * The services a lease holds, for the runtime to check that the caller's token covers every one of
   * them before it renews or ends the lease. A lease's services never change.
   *
   * @return the services registered under the lease, or empty when the lease is unknown
   * @throws Exception when the store cannot answer right now
   */
  Optional<Set<String>> services(String leaseId) throws Exception;

  /**
   * Renews a lease for another full TTL.
   *
   * @return the remaining lifetime after renewal, or empty when the lease is unknown (it lapsed, was
   *     deregistered, or was lost with the store's session): the caller must register again
   * @throws Exception when the store cannot answer right now
   */
  Optional<Duration> keepAlive(String leaseId) throws Exception;

  /**
   * Ends a lease at once; its endpoint leaves the sets of its services.
   *
   * @return whether the lease was known
   * @throws Exception when the store cannot take the call right now
   */
  boolean deregister(String leaseId) throws Exception;
}

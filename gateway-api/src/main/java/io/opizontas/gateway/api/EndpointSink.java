package io.opizontas.gateway.api;

import java.util.Map;
import java.util.Set;

/**
 * Where a {@link RegistryBackend} reports what it knows. The runtime merges the reports of every
 * backend into one live routing table; each backend has a sink of its own, and its reports never
 * touch what other backends report.
 *
 * <p><b>What an empty set means.</b> A service becomes known to the gateway the first time any
 * backend reports it, and stays known for as long as the gateway runs. Reporting it with no
 * endpoints (an empty set, or leaving it out of {@link #replaceAll}) withdraws this backend's
 * endpoints only: calls to a known service that no backend now gives an endpoint fail with
 * {@code UNAVAILABLE} (retryable: the instances may come back), while calls to a service no backend
 * ever reported fail with {@code UNIMPLEMENTED}.
 *
 * <p><b>Threading.</b> Thread-safe and non-blocking: call it from any thread, as often as the
 * registry changes, during {@link RegistryBackend#start} too. Each call takes effect before it
 * returns. Reports made after the runtime has begun to {@linkplain RegistryBackend#close close} the
 * backend are ignored, so a backend need not guard its watchers against a late event.
 *
 * <p><b>Names.</b> A service is named as in the request path {@code /<service>/<method>}: the fully
 * qualified name, such as {@code helloworld.Greeter}. Every method refuses an empty name or one
 * containing {@code /} (see {@link #checkServiceName}).
 */
public interface EndpointSink {

  /**
   * Replaces everything this backend knows about {@code service} with {@code endpoints}. An empty set
   * withdraws this backend's endpoints of the service (see the class comment for what callers then
   * get); endpoints reported by other backends stay.
   *
   * @throws IllegalArgumentException when {@code service} is not a service name ({@link
   *     #checkServiceName})
   */
  void update(String service, Set<Endpoint> endpoints);

  /**
   * Replaces everything this backend knows, all services at once: each service in {@code services}
   * gets its set as with {@link #update}, and every service this backend reported before but does
   * not list now is withdrawn, as with an empty {@link #update}. For a backend that re-reads a whole
   * source (a file, a directory listing) and need not work out what changed itself; reporting the
   * same content again changes nothing.
   *
   * <p>Each service changes atomically, one after the other: a call routed meanwhile sees every
   * service either before or after the report.
   *
   * <p>A default method, so that sinks written before it (a plugin's own test stand-in) still
   * compile; the runtime's sink and {@code RecordingEndpointSink} of the {@code gateway-api-testing}
   * kit implement it.
   *
   * @param services every service this backend knows, with its endpoints; not kept
   * @throws IllegalArgumentException when a key is not a service name ({@link #checkServiceName});
   *     nothing is reported then
   * @throws UnsupportedOperationException from sinks that predate it
   */
  default void replaceAll(Map<String, Set<Endpoint>> services) {
    throw new UnsupportedOperationException(getClass().getName() + " does not implement replaceAll");
  }

  /**
   * Checks that {@code service} can name a service: not empty, and without {@code /} (which would
   * split the request path {@code /<service>/<method>} elsewhere). Returns it unchanged. Sinks apply
   * it to every report; backends may apply it to names from their configuration at start.
   *
   * @throws IllegalArgumentException naming the service and what is wrong with it
   */
  static String checkServiceName(String service) {
    if (service == null || service.isEmpty()) {
      throw new IllegalArgumentException("service name is empty; name a service such as helloworld.Greeter");
    }
    if (service.indexOf('/') >= 0) {
      throw new IllegalArgumentException("service name '" + service + "' contains '/': name the service alone,"
          + " such as helloworld.Greeter, not a request path or method");
    }
    return service;
  }
}

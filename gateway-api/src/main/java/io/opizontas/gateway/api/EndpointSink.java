package io.opizontas.gateway.api;

import java.util.Set;

/**
 * Where a {@link RegistryBackend} reports what it knows. The runtime merges the reports of every
 * backend into one live routing table.
 *
 * <p>Thread-safe and non-blocking: call it from any thread, as often as the registry changes.
 */
public interface EndpointSink {

  /**
   * Replaces everything this backend knows about {@code service} with {@code endpoints}. An empty set
   * removes the service from this backend's report; endpoints reported by other backends stay.
   */
  void update(String service, Set<Endpoint> endpoints);
}

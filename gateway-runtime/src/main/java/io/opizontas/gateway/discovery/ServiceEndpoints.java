package io.opizontas.gateway.discovery;

import io.opizontas.gateway.api.Endpoint;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * One service's endpoints at one moment: immutable, shared by every call that reads it.
 */
public final class ServiceEndpoints {

  private final String service;
  private final Endpoint[] endpoints;
  private final List<Endpoint> list;

  ServiceEndpoints(String service, Endpoint[] endpoints) {
    this.service = service;
    this.endpoints = endpoints;
    this.list = List.of(endpoints);
  }

  public String service() {
    return service;
  }

  public int size() {
    return endpoints.length;
  }

  public boolean isEmpty() {
    return endpoints.length == 0;
  }

  /** The endpoint at {@code index}, 0 &lt;= index &lt; {@link #size()}. */
  public Endpoint get(int index) {
    return endpoints[index];
  }

  /**
   * The endpoints as an immutable list: the same instance for as long as this snapshot stands, so a
   * balancer may cache what it derives from it and rebuild only when a new snapshot brings a new
   * list (as gateway-api's Balancer promises).
   */
  public List<Endpoint> asList() {
    return list;
  }

  boolean sameEndpoints(Collection<Endpoint> other) {
    return endpoints.length == other.size() && Set.copyOf(Arrays.asList(endpoints)).equals(Set.copyOf(other));
  }

  @Override
  public String toString() {
    return service + Arrays.toString(endpoints);
  }
}

package io.opizontas.gateway.discovery;

import io.opizontas.gateway.api.Endpoint;
import java.util.Arrays;
import java.util.List;

/** One service's endpoints at one moment: immutable, shared by every call that reads it. */
public final class ServiceEndpoints {

  private final String service;
  private final Endpoint[] endpoints;

  ServiceEndpoints(String service, Endpoint[] endpoints) {
    this.service = service;
    this.endpoints = endpoints;
  }

  public String service() {
    return service;
  }

  public int size() {
    return endpoints.length;
  }

  /** The endpoint at {@code index}, 0 &lt;= index &lt; {@link #size()}. */
  public Endpoint get(int index) {
    return endpoints[index];
  }

  public List<Endpoint> asList() {
    return List.copyOf(Arrays.asList(endpoints));
  }
}

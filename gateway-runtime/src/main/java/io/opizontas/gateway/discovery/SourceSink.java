package io.opizontas.gateway.discovery;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.EndpointSink;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The sink of one source of the {@link EndpointTable}: one registry backend, or the gateway itself.
 * It remembers which services its source reported, so that {@link #replaceAll} can withdraw those
 * left out, and stops reporting once {@link #close}d, so that a backend's late events after its
 * close never reach the table.
 *
 * <p>A source's reports are applied one at a time (registries change rarely; this is off the data
 * path), which keeps what it remembers in step with the table.
 */
public final class SourceSink implements EndpointSink {

  private final EndpointTable table;
  private final String source;
  private final boolean mayReportGatewayServices;
  /** Services this source gave endpoints and has not withdrawn. Guarded by this. */
  private final Set<String> reported = new HashSet<>();
  private volatile boolean closed;

  SourceSink(EndpointTable table, String source, boolean mayReportGatewayServices) {
    this.table = table;
    this.source = source;
    this.mayReportGatewayServices = mayReportGatewayServices;
  }

  @Override
  public synchronized void update(String service, Set<Endpoint> endpoints) {
    EndpointSink.checkServiceName(service);
    Objects.requireNonNull(endpoints, "endpoints");
    if (!closed) {
      apply(service, endpoints);
    }
  }

  @Override
  public synchronized void replaceAll(Map<String, Set<Endpoint>> services) {
    // Checked first, so that a bad name reports nothing rather than half the services.
    Map<String, Set<Endpoint>> checked = new LinkedHashMap<>();
    services.forEach((service, endpoints) ->
        checked.put(EndpointSink.checkServiceName(service), Objects.requireNonNull(endpoints, service)));
    if (closed) {
      return;
    }
    for (String gone : Set.copyOf(reported)) {
      if (!checked.containsKey(gone)) {
        apply(gone, Set.of());
      }
    }
    checked.forEach(this::apply);
  }

  private void apply(String service, Set<Endpoint> endpoints) {
    if (!mayReportGatewayServices && EndpointTable.GATEWAY_SERVICES.contains(service)) {
      table.refuse(source, service, endpoints);
      return;
    }
    table.update(source, service, endpoints);
    if (endpoints.isEmpty()) {
      reported.remove(service);
    } else {
      reported.add(service);
    }
  }

  /**
   * Ignores every report from now on; what the source reported so far stays in the table. Reports
   * already being applied complete.
   */
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "sink of " + source;
  }
}

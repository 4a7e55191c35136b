package io.opizontas.gateway.testing;

import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.Metadata;
import java.util.Map;

/**
 * A call for balancers that read nothing of it (round-robin): a service and method, no attributes,
 * and metadata that fails the test if read.
 */
public record BareCall(String service, String method) implements Call {

  @Override
  public Metadata requestHeaders() {
    throw new UnsupportedOperationException("this balancer was expected to read no metadata");
  }

  @Override
  public Map<String, String> attributes() {
    return Map.of();
  }
}

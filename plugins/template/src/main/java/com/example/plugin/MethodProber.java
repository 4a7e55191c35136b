package com.example.plugin;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.EndpointCalls;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.HealthProber;
import io.opizontas.gateway.api.HealthState;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.pf4j.Extension;

/**
 * Healthy while a unary method of the endpoint answers OK. The request is an empty message: valid
 * protobuf for every message type (all fields at their defaults), so no protobuf library is needed.
 */
@Extension
public final class MethodProber implements HealthProber {

  private static final byte[] EMPTY_MESSAGE = new byte[0];

  private String method;
  private EndpointCalls calls;

  @Override
  public String id() {
    return "unary-method";
  }

  @Override
  public void start(PluginConfig config, PluginContext context) {
    config.allowKeys("method");
    method = config.requiredString("method");
    if (method.indexOf('/') < 1) {
      throw config.invalid("method", "'" + method + "' is not a method such as \"shop.Cart/Ping\"");
    }
    calls = context.endpointCalls();
  }

  @Override
  public CompletionStage<HealthState> probe(Endpoint endpoint, String service, Duration timeout) {
    return calls.unary(service, endpoint, method, EMPTY_MESSAGE, timeout).thenApply(response -> {
      if (response.status().code() != GrpcStatusCode.OK) {
        // A failed stage counts as UNHEALTHY, and its message is the reason the gateway logs.
        throw new IllegalStateException(method + " answered " + response.status().code());
      }
      return HealthState.HEALTHY;
    });
  }
}

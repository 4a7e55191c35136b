package io.opizontas.gateway.plugins.health;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.EndpointCalls;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.HealthProber;
import io.opizontas.gateway.api.HealthState;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.pf4j.Extension;
import org.slf4j.Logger;

/**
 * {@code grpc-health}: the standard {@code grpc.health.v1.Health/Check}, sent over the gateway's own
 * connections to the endpoint ({@link PluginContext#endpointCalls()}), with the probe timeout as
 * its deadline. SERVING is healthy; NOT_SERVING, SERVICE_UNKNOWN, an error status and no answer are
 * not. An endpoint without the health service (UNIMPLEMENTED) counts as {@code unimplemented} says.
 *
 * <p>Options: {@code service} (absent: the routed service's name; {@code ""}: the whole server;
 * anything else: that name), {@code unimplemented} ({@code "healthy"}, the default, or {@code
 * "unhealthy"}).
 */
@Extension
public final class GrpcHealthProber implements HealthProber {

  /** The id the configuration names this prober by. */
  public static final String ID = "grpc-health";

  static final String CHECK = "grpc.health.v1.Health/Check";

  private Optional<String> service;
  private HealthState whenUnimplemented;
  private EndpointCalls calls;
  private Logger log;
  /** Endpoints already logged as lacking the health service, so each is logged once. */
  private final Set<String> unimplementedLogged = ConcurrentHashMap.newKeySet();

  @Override
  public String id() {
    return ID;
  }

  @Override
  public void start(PluginConfig config, PluginContext context) {
    config.allowKeys("service", "unimplemented");
    service = config.string("service");
    String unimplemented = config.string("unimplemented", "healthy");
    whenUnimplemented = switch (unimplemented) {
      case "healthy" -> HealthState.HEALTHY;
      case "unhealthy" -> HealthState.UNHEALTHY;
      default -> throw config.invalid("unimplemented", "expected \"healthy\" or \"unhealthy\", not \"" + unimplemented + "\"");
    };
    calls = context.endpointCalls();
    log = context.logger();
  }

  @Override
  public CompletionStage<HealthState> probe(Endpoint endpoint, String routed, Duration timeout) {
    String asked = service.orElse(routed);
    return calls.unary(routed, endpoint, CHECK, HealthWire.request(asked), timeout).thenApply(response -> {
      GrpcStatusCode code = response.status().code();
      if (code == GrpcStatusCode.OK) {
        int status = HealthWire.status(response.message());
        if (status == HealthWire.SERVING) {
          return HealthState.HEALTHY;
        }
        throw new ProbeFailure("'" + asked + "' is " + HealthWire.statusName(status));
      }
      if (code == GrpcStatusCode.UNIMPLEMENTED) {
        if (unimplementedLogged.add(endpoint.address())) {
          log.info("{} does not implement grpc.health.v1.Health: counted as {} (unimplemented = \"{}\")",
              endpoint.address(), whenUnimplemented, whenUnimplemented == HealthState.HEALTHY ? "healthy" : "unhealthy");
        }
        return whenUnimplemented;
      }
      // NOT_FOUND is grpc-java's answer for a service it has no status of (SERVICE_UNKNOWN in Watch).
      throw new ProbeFailure("Check of '" + asked + "' ended with " + code
          + (response.status().message().isEmpty() ? "" : ": " + response.status().message()));
    });
  }

  /** Why a probe failed; the gateway logs the message when the endpoint's state changes. */
  private static final class ProbeFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ProbeFailure(String message) {
      super(message, null, false, false);
    }
  }
}

package io.opizontas.gateway.plugin;

import io.opizontas.gateway.api.EndpointCalls;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.GrpcStatusCode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The {@link EndpointCalls} every plugin context hands out: contexts exist from plugin loading on,
 * the gateway's backend connections only a little later, so the real calls are lent once they do.
 */
final class LentEndpointCalls implements EndpointCalls {

  private volatile EndpointCalls lent;

  void lend(EndpointCalls calls) {
    lent = calls;
  }

  @Override
  public CompletionStage<Response> unary(String service, Endpoint endpoint, String method, byte[] request,
      Duration deadline) {
    EndpointCalls calls = lent;
    if (calls == null) {
      return CompletableFuture.completedFuture(new Response(GrpcStatus.of(GrpcStatusCode.UNAVAILABLE,
          "the gateway's backend connections are not started yet"), null));
    }
    return calls.unary(service, endpoint, method, request, deadline);
  }
}

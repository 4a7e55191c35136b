package io.opizontas.gateway.api;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Makes one unary gRPC call to one endpoint over the gateway's own connections to its backends, so
 * a plugin talks to an endpoint exactly as routed calls do: the same pooled HTTP/2 sessions, connect
 * timeout and backend TLS. Meant for a {@link HealthProber} that speaks gRPC, such
 * as {@code grpc.health.v1.Health/Check}; it is off the data path and copies the messages it
 * carries, so it is not a way to forward calls.
 *
 * <p>Lent through {@link PluginContext#endpointCalls()}. Thread-safe; {@link #unary} returns at
 * once and does its I/O asynchronously.
 */
public interface EndpointCalls {

  /**
   * Calls {@code method} on {@code endpoint} with one request message.
   *
   * @param service  the routed service the endpoint serves, whose backend settings the call uses
   *                 (its {@code [upstream.tls]} rule: plaintext, TLS or mutual TLS, and the identity
   *                 checked), as calls routed to it would
   * @param endpoint the endpoint to call
   * @param method   the full method name without the leading slash, such as {@code
   *                 grpc.health.v1.Health/Check}
   * @param request  the serialized request message (protobuf bytes, without gRPC's 5-byte prefix)
   * @param deadline sent as {@code grpc-timeout}; when it passes, the call is cancelled and the stage
   *                 completes with DEADLINE_EXCEEDED
   * @return a stage that always completes normally, with the call's status and response message;
   *     a connect failure, a reset or a lost connection is an UNAVAILABLE (or the reset's) status
   */
  CompletionStage<Response> unary(String service, Endpoint endpoint, String method, byte[] request, Duration deadline);

  /**
   * How a call ended.
   *
   * @param status  the call's status: the backend's {@code grpc-status}, or one the gateway made
   *                when the backend did not answer
   * @param message the serialized response message; empty when the backend sent none
   */
  record Response(GrpcStatus status, byte[] message) {

    /** Checks the fields; the message is kept as given, not copied. */
    public Response {
      java.util.Objects.requireNonNull(status, "status");
      message = message == null ? new byte[0] : message;
    }
  }
}

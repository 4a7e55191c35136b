package io.opizontas.gateway.api;

import java.util.Objects;

/**
 * A gRPC status: a code and a human-readable message.
 *
 * @param code    the status code
 * @param message what went wrong, for people; may be empty, never null
 */
public record GrpcStatus(GrpcStatusCode code, String message) {

  /** Rejects a null code and turns a null message into the empty string. */
  public GrpcStatus {
    Objects.requireNonNull(code, "code");
    message = message == null ? "" : message;
  }

  /** A status with the given code and message. */
  public static GrpcStatus of(GrpcStatusCode code, String message) {
    return new GrpcStatus(code, message);
  }
}

package io.opizontas.gateway.api;

/**
 * The gRPC status codes, with the numbers the wire uses in {@code grpc-status}.
 *
 * <p>Plugins use these to reject a call; the runtime writes the number into the trailers it answers
 * with.
 */
public enum GrpcStatusCode {
  OK(0),
  CANCELLED(1),
  UNKNOWN(2),
  INVALID_ARGUMENT(3),
  DEADLINE_EXCEEDED(4),
  NOT_FOUND(5),
  ALREADY_EXISTS(6),
  PERMISSION_DENIED(7),
  RESOURCE_EXHAUSTED(8),
  FAILED_PRECONDITION(9),
  ABORTED(10),
  OUT_OF_RANGE(11),
  UNIMPLEMENTED(12),
  INTERNAL(13),
  UNAVAILABLE(14),
  DATA_LOSS(15),
  UNAUTHENTICATED(16);

  private static final GrpcStatusCode[] BY_VALUE = values();

  private final int value;

  GrpcStatusCode(int value) {
    this.value = value;
  }

  /** The number sent in {@code grpc-status}. */
  public int value() {
    return value;
  }

  /** The code for a wire number; numbers outside 0..16 are {@link #UNKNOWN}, as the spec asks. */
  public static GrpcStatusCode fromValue(int value) {
    return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : UNKNOWN;
  }
}

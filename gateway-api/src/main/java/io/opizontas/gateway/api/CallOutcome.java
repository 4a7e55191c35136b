package io.opizontas.gateway.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How one call ended, as the gateway measured it: what {@link CallFilter#onCallEnded} receives.
 * Immutable, and safe to keep and read from any thread.
 *
 * <p>The counts are of gRPC message bytes as they crossed the gateway (each message with its 5-byte
 * length prefix, as in HTTP/2 DATA frames), not of headers or HTTP/2 framing. The gateway counts
 * frame lengths while it forwards them; it never reads or copies the messages to do so.
 *
 * @since 0.1.1
 */
public final class CallOutcome {

  private final GrpcStatusCode status;
  private final Endpoint endpoint;
  private final String peer;
  private final long durationNanos;
  private final long requestBytes;
  private final long responseBytes;

  /**
   * An outcome; the runtime makes one per call, tests of a plugin may make their own.
   *
   * @param status        the status the client received
   * @param endpoint      the backend endpoint of the call's last attempt, or null when it reached
   *                      none
   * @param peer          the client's address, {@code host:port}, or {@code ""} when unknown
   * @param durationNanos nanoseconds from the request headers' arrival to the end of the call
   * @param requestBytes  message bytes the gateway forwarded from the client to the backend
   * @param responseBytes message bytes the gateway forwarded from the backend to the client
   * @throws NullPointerException     when {@code status} or {@code peer} is null
   * @throws IllegalArgumentException when the duration or a count is negative
   */
  public CallOutcome(GrpcStatusCode status, Endpoint endpoint, String peer, long durationNanos,
      long requestBytes, long responseBytes) {
    this.status = Objects.requireNonNull(status, "status");
    this.endpoint = endpoint;
    this.peer = Objects.requireNonNull(peer, "peer");
    if (durationNanos < 0 || requestBytes < 0 || responseBytes < 0) {
      throw new IllegalArgumentException("the duration and the byte counts cannot be negative");
    }
    this.durationNanos = durationNanos;
    this.requestBytes = requestBytes;
    this.responseBytes = responseBytes;
  }

  /**
   * The status the client received: the backend's {@code grpc-status} as the response hooks left
   * it, the gateway's own status (no route, unreachable backend, deadline, a filter's rejection or
   * failure), or {@link GrpcStatusCode#CANCELLED} when the client reset the call.
   */
  public GrpcStatusCode status() {
    return status;
  }

  /**
   * The backend endpoint of the call's last attempt (after retries, the one tried last); empty when
   * the call reached no endpoint: rejected by a filter, no route, or ended before routing.
   */
  public Optional<Endpoint> endpoint() {
    return Optional.ofNullable(endpoint);
  }

  /** The client's address as the gateway's listener saw it, {@code host:port}; {@code ""} when unknown. */
  public String peer() {
    return peer;
  }

  /**
   * Nanoseconds from the arrival of the request headers to the end of the call (the last frame
   * either way), on a monotonic clock: for histograms that would rather not make a {@link Duration}.
   */
  public long durationNanos() {
    return durationNanos;
  }

  /** {@link #durationNanos()} as a duration. */
  public Duration duration() {
    return Duration.ofNanos(durationNanos);
  }

  /** Message bytes forwarded from the client to the backend; 0 when none reached a backend. */
  public long requestBytes() {
    return requestBytes;
  }

  /** Message bytes forwarded from the backend to the client. */
  public long responseBytes() {
    return responseBytes;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CallOutcome o
        && status == o.status
        && Objects.equals(endpoint, o.endpoint)
        && peer.equals(o.peer)
        && durationNanos == o.durationNanos
        && requestBytes == o.requestBytes
        && responseBytes == o.responseBytes;
  }

  @Override
  public int hashCode() {
    return Objects.hash(status, endpoint, peer, durationNanos, requestBytes, responseBytes);
  }

  /** For people reading a test failure or a debugger; not a format to parse. */
  @Override
  public String toString() {
    return "CallOutcome[" + status + ", endpoint " + (endpoint == null ? "none" : endpoint.address()) + ", peer "
        + peer + ", " + durationNanos + " ns, " + requestBytes + " B in, " + responseBytes + " B out]";
  }
}

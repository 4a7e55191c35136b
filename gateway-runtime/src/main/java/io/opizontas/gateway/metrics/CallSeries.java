package io.opizontas.gateway.metrics;

import io.opizontas.gateway.api.GrpcStatusCode;

/**
 * What one call counts into. The data path sees this interface only, so a gateway without metrics
 * ({@link #NONE}) never loads the Prometheus client: its first call pays no class loading for it.
 */
public interface CallSeries {

  /** Counts nothing. */
  CallSeries NONE = new CallSeries() {
    @Override
    public void started() {}

    @Override
    public void finished(GrpcStatusCode status, long nanos) {}

    @Override
    public void requestBytes(long bytes) {}

    @Override
    public void responseBytes(long bytes) {}
  };

  /** A call began. */
  void started();

  /** The call ended with {@code status}, {@code nanos} after it began. Called once per call. */
  void finished(GrpcStatusCode status, long nanos);

  /** Request DATA bytes (gRPC message frames) forwarded to a backend. */
  void requestBytes(long bytes);

  /** Response DATA bytes (gRPC message frames) forwarded to the client. */
  void responseBytes(long bytes);
}

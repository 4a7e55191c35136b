package io.opizontas.gateway.metrics;

import io.opizontas.gateway.api.Endpoint;

/** What the data path counts into: the series of each call, and retries. */
public interface CallMetrics {

  /** Counts nothing: a gateway without an admin listener has nobody to show metrics to. */
  CallMetrics NONE = new CallMetrics() {
    @Override
    public CallSeries series(String service, String method) {
      return CallSeries.NONE;
    }

    @Override
    public void retried(Endpoint endpoint) {
      // Nothing to count into.
    }
  };

  /** The series a call of {@code service}/{@code method} counts into; no allocation once resolved. */
  CallSeries series(String service, String method);

  /** A call is tried again after {@code endpoint} could not take it. */
  void retried(Endpoint endpoint);
}

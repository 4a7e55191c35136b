package io.opizontas.gateway.metrics;

import io.opizontas.gateway.api.GrpcStatusCode;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The series of one service and method, resolved once and shared by every call of it: a call
 * counts by plain adds on Prometheus data points (lock-free adders), with no label lookup and no
 * allocation.
 */
public final class MethodSeries implements CallSeries {

  private static final double NANOS_PER_SECOND = 1e9;
  private static final GrpcStatusCode[] CODES = GrpcStatusCode.values();

  private final CounterDataPoint started;
  private final GaugeDataPoint inFlight;
  private final DistributionDataPoint latency;
  private final CounterDataPoint requestBytes;
  private final CounterDataPoint responseBytes;
  private final Counter finished;
  private final String service;
  private final String method;
  /** The finished counter's data point per status code, resolved at the first call ending with it. */
  private final AtomicReferenceArray<CounterDataPoint> finishedByCode;

  MethodSeries(CallFamilies families, String service, String method) {
    this.started = families.started().labelValues(service, method);
    this.inFlight = families.inFlight().labelValues(service, method);
    this.latency = families.latency().labelValues(service, method);
    this.requestBytes = families.requestBytes().labelValues(service, method);
    this.responseBytes = families.responseBytes().labelValues(service, method);
    this.finished = families.finished();
    this.service = service;
    this.method = method;
    this.finishedByCode = new AtomicReferenceArray<>(CODES.length);
  }

  @Override
  public void started() {
    started.inc();
    inFlight.inc();
  }

  @Override
  public void finished(GrpcStatusCode status, long nanos) {
    inFlight.dec();
    latency.observe(nanos / NANOS_PER_SECOND);
    int index = status.ordinal();
    CounterDataPoint byCode = finishedByCode.get(index);
    if (byCode == null) {
      // Label values are looked up once per code; the data point is the same for every caller.
      byCode = finished.labelValues(service, method, status.name());
      finishedByCode.set(index, byCode);
    }
    byCode.inc();
  }

  @Override
  public void requestBytes(long bytes) {
    requestBytes.inc(bytes);
  }

  @Override
  public void responseBytes(long bytes) {
    responseBytes.inc(bytes);
  }
}

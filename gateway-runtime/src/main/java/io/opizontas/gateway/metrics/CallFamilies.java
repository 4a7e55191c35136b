package io.opizontas.gateway.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The metric families of calls, labelled by service and method (finished: and grpc-status). */
record CallFamilies(Counter started, Counter finished, Gauge inFlight, Histogram latency, Counter requestBytes,
    Counter responseBytes) {

  /**
   * Latency bucket bounds, seconds: sub-millisecond hops on a LAN up to long streams; classic
   * buckets, so any Prometheus scrapes them.
   */
  static final double[] LATENCY_BOUNDS = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};

  static CallFamilies register(PrometheusRegistry registry) {
    return new CallFamilies(
        Counter.builder().name("opizontas_calls_started_total")
            .help("gRPC calls the gateway began to route").labelNames("service", "method")
            .withoutExemplars().register(registry),
        Counter.builder().name("opizontas_calls_finished_total")
            .help("gRPC calls ended, by the grpc-status the client got").labelNames("service", "method", "code")
            .withoutExemplars().register(registry),
        Gauge.builder().name("opizontas_calls_in_flight")
            .help("gRPC calls begun and not ended").labelNames("service", "method")
            .withoutExemplars().register(registry),
        Histogram.builder().name("opizontas_call_duration_seconds")
            .help("Time from a call's request headers to its end, as the gateway saw it")
            .labelNames("service", "method").classicOnly().classicUpperBounds(LATENCY_BOUNDS)
            .withoutExemplars().register(registry),
        Counter.builder().name("opizontas_call_request_bytes_total")
            .help("Request bytes (gRPC length-prefixed messages) forwarded to backends")
            .labelNames("service", "method").withoutExemplars().register(registry),
        Counter.builder().name("opizontas_call_response_bytes_total")
            .help("Response bytes (gRPC length-prefixed messages) forwarded to clients")
            .labelNames("service", "method").withoutExemplars().register(registry));
  }
}

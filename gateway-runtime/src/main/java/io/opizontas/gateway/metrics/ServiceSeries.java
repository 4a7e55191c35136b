package io.opizontas.gateway.metrics;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The method series of one service, at most {@link GatewayMetrics#MAX_METHODS_PER_SERVICE}: the
 * methods a client names are not checked against any schema, so past the cap they share one
 * {@code method="other"} series rather than growing the scrape without bound.
 */
final class ServiceSeries {

  static final String OTHER = "other";

  private final CallFamilies families;
  private final String service;
  private final int maxMethods;
  private final ConcurrentMap<String, MethodSeries> methods = new ConcurrentHashMap<>();
  /** Made at the first method past the cap: below it, no "other" series shows. */
  private volatile MethodSeries other;

  ServiceSeries(CallFamilies families, String service, int maxMethods) {
    this.families = families;
    this.service = service;
    this.maxMethods = maxMethods;
  }

  MethodSeries method(String method) {
    MethodSeries series = methods.get(method);
    if (series != null) {
      return series;
    }
    // A racing first call or two may pass the cap by the number of threads: bounded all the same.
    if (methods.size() >= maxMethods) {
      MethodSeries overflow = other;
      if (overflow == null) {
        // Prometheus resolves the same data points for the same labels: a racing twin is harmless.
        overflow = new MethodSeries(families, service, OTHER);
        other = overflow;
      }
      return overflow;
    }
    return methods.computeIfAbsent(method, m -> new MethodSeries(families, service, m));
  }
}

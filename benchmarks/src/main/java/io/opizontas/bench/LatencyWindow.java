package io.opizontas.bench;

import java.time.Duration;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One measured period of closed-loop load that runs by itself meanwhile: the latencies recorded in
 * it, and how many completed per second.
 */
record LatencyWindow(Histogram latency, double perSecond) {

  /** Drops what {@code recorder} holds, lets {@code measured} pass, and takes what it recorded since. */
  static LatencyWindow over(Recorder recorder, Duration measured) throws InterruptedException {
    recorder.getIntervalHistogram();
    long start = System.nanoTime();
    Thread.sleep(measured.toMillis());
    Histogram latency = recorder.getIntervalHistogram();
    return new LatencyWindow(latency, latency.getTotalCount() * 1e9 / (System.nanoTime() - start));
  }
}

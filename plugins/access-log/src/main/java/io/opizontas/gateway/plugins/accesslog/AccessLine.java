package io.opizontas.gateway.plugins.accesslog;

import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.CallOutcome;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.Metadata;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Writes the access-log line of one finished call: time, peer, service, method, endpoint, status,
 * duration, bytes each way, then the request metadata the configuration names ({@code md.<key>}).
 *
 * <p>Secrets never reach the line: the values of {@code authorization}, of every binary ({@code
 * -bin}) key and of the configured keys are written as {@value #REDACTED}, whatever {@code metadata}
 * asks for. Immutable and thread-safe.
 */
final class AccessLine {

  static final String REDACTED = "[redacted]";

  private final LineFormat format;
  /** Metadata keys to write, lower case; null for every key the call has. */
  private final List<String> metadata;
  private final Set<String> redacted;

  /**
   * @param metadata request metadata keys to write, lower case; null for all of them
   * @param redacted keys, lower case, whose values are never written (besides authorization and -bin)
   */
  AccessLine(LineFormat format, List<String> metadata, Set<String> redacted) {
    this.format = format;
    this.metadata = metadata;
    this.redacted = redacted;
  }

  String write(Instant time, Call call, CallOutcome outcome) {
    StringBuilder line = new StringBuilder(256);
    format.begin(line);
    format.text(line, "time", time.toString());
    format.text(line, "peer", outcome.peer());
    format.text(line, "service", call.service());
    format.text(line, "method", call.method());
    format.text(line, "endpoint", outcome.endpoint().map(Endpoint::address).orElse(null));
    format.text(line, "status", outcome.status().name());
    format.number(line, "duration_ms", millis(outcome.durationNanos()));
    format.number(line, "request_bytes", Long.toString(outcome.requestBytes()));
    format.number(line, "response_bytes", Long.toString(outcome.responseBytes()));
    Metadata headers = call.requestHeaders();
    for (String key : metadata == null ? headers.keys() : metadata) {
      List<String> values = headers.getAll(key);
      if (!values.isEmpty()) {
        format.text(line, "md." + key, redacts(key) ? REDACTED : String.join(",", values));
      }
    }
    format.end(line);
    return line.toString();
  }

  /** Whether the value of {@code key} (lower case) must never be written. */
  boolean redacts(String key) {
    return key.equals("authorization") || key.endsWith("-bin") || redacted.contains(key);
  }

  /** Milliseconds with three decimals (microseconds), without String.format's cost. */
  static CharSequence millis(long nanos) {
    long micros = nanos / 1_000;
    long fraction = micros % 1_000;
    StringBuilder digits = new StringBuilder(12).append(micros / 1_000).append('.');
    if (fraction < 100) {
      digits.append(fraction < 10 ? "00" : "0");
    }
    return digits.append(fraction);
  }
}

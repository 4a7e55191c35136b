package io.opizontas.gateway.proxy;

import java.util.concurrent.TimeUnit;

/** Parses the {@code grpc-timeout} header: up to 8 digits and a unit of H, M, S, m, u or n. */
final class GrpcTimeout {

  private GrpcTimeout() {}

  /** The timeout in nanoseconds, or -1 when the value is absent or malformed (then no deadline). */
  static long parseNanos(String value) {
    if (value == null) {
      return -1;
    }
    int length = value.length();
    if (length < 2 || length > 9) {
      return -1;
    }
    long amount = 0;
    for (int i = 0; i < length - 1; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      amount = amount * 10 + (c - '0');
    }
    TimeUnit unit = switch (value.charAt(length - 1)) {
      case 'H' -> TimeUnit.HOURS;
      case 'M' -> TimeUnit.MINUTES;
      case 'S' -> TimeUnit.SECONDS;
      case 'm' -> TimeUnit.MILLISECONDS;
      case 'u' -> TimeUnit.MICROSECONDS;
      case 'n' -> TimeUnit.NANOSECONDS;
      default -> null;
    };
    return unit == null ? -1 : unit.toNanos(amount);
  }
}

package io.opizontas.gateway.proxy;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

/**
 * Connection-specific headers that must not cross the gateway (RFC 9113 section 8.2.2). {@code te:
 * trailers} is the one exception: gRPC servers expect it.
 */
final class HopByHop {

  private HopByHop() {}

  /** {@code fields} without hop-by-hop headers; the same instance when it has none (the usual case). */
  static HttpFields strip(HttpFields fields) {
    for (HttpField field : fields) {
      if (isHopByHop(field)) {
        HttpFields.Mutable kept = HttpFields.build(fields.size());
        for (HttpField candidate : fields) {
          if (!isHopByHop(candidate)) {
            kept.add(candidate);
          }
        }
        return kept;
      }
    }
    return fields;
  }

  private static boolean isHopByHop(HttpField field) {
    String name = field.getLowerCaseName();
    return switch (name) {
      case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host", "http2-settings" -> true;
      case "te" -> !"trailers".equalsIgnoreCase(field.getValue());
      default -> false;
    };
  }
}

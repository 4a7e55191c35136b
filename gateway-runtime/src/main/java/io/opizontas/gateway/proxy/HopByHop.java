package io.opizontas.gateway.proxy;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

/**
 * Connection-specific headers that must not cross the gateway (RFC 9113 section 8.2.2). {@code te:
 * trailers} is the one exception: gRPC servers expect it.
 */
final class HopByHop {

  private HopByHop() {}

  /** A copy of {@code fields} without hop-by-hop headers, for the gateway to add its own to. */
  static HttpFields.Mutable forwardable(HttpFields fields) {
    HttpFields.Mutable kept = HttpFields.build(fields.size() + 1);
    for (HttpField field : fields) {
      if (!isHopByHop(field)) {
        kept.add(field);
      }
    }
    return kept;
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

package io.opizontas.gateway.proxy;

import org.eclipse.jetty.http.HttpFields;

/**
 * How many Opizontas gateways a call has passed, carried in a request header each gateway
 * increments. A route that leads back into a gateway (a registry entry naming the gateway itself,
 * two gateways naming each other) would otherwise send each call round until connections run out;
 * with the count, the call is refused once it exceeds {@code server.max_hops}, and chains of a few
 * gateways stay legal.
 */
final class GatewayHops {

  /** The header; backends see it too, and may ignore it. */
  static final String HEADER = "opizontas-hops";

  private GatewayHops() {}

  /** The hops counted in {@code fields}: 0 when absent; a malformed count counts as absent. */
  static int of(HttpFields fields) {
    String value = fields.get(HEADER);
    if (value == null) {
      return 0;
    }
    try {
      return Math.max(0, Integer.parseInt(value.trim()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static void put(HttpFields.Mutable fields, int hops) {
    fields.put(HEADER, Integer.toString(hops));
  }
}

package io.opizontas.gateway.api;

import java.util.Map;

/**
 * One gRPC call, as {@link CallFilter}s and {@link Balancer}s see it: which method it invokes, its
 * request metadata, and attributes that filters attach for routing.
 *
 * <p>Message bodies are not part of this view: the gateway forwards them without looking at them.
 *
 * <p><b>Threading.</b> The runtime hands a call to one filter at a time, in chain order, so filters
 * need no locking to read or edit it; each sees what the filters before it left.
 */
public interface Call {

  /** The fully qualified service name from the request path, such as {@code helloworld.Greeter}. */
  String service();

  /** The method name from the request path, such as {@code SayHello}. */
  String method();

  /**
   * The request metadata. Filters may edit it in {@link CallFilter#onRequest}; the edits are
   * forwarded to the backend. Balancers only read it.
   */
  Metadata requestHeaders();

  /**
   * Attributes of this call for routing and for later filters: for example the name of the
   * credential a filter accepted, or a subset a balancer should prefer. Mutable by filters in {@link
   * CallFilter#onRequest}; read-only afterwards. Values are strings so they never tie one plugin's
   * classes to another's.
   */
  Map<String, String> attributes();
}

package io.opizontas.gateway.api.testing;

import io.opizontas.gateway.api.Call;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A call as a filter or a balancer sees it, with the service, method, request metadata and
 * attributes a test gives it:
 *
 * <pre>{@code
 * TestCall call = new TestCall("post.PostService", "Get").header("x-user-id", "42");
 * Endpoint picked = balancer.pick(endpoints, call);
 * }</pre>
 *
 * <p>Metadata and attributes stay writable, as they are for filters in {@code onRequest}, so a test
 * reads back what a filter left; the runtime makes them read-only for balancers, which must not
 * write. Not thread-safe, like the runtime's calls: one filter at a time.
 */
public final class TestCall implements Call {

  private final String service;
  private final String method;
  private final TestMetadata requestHeaders = new TestMetadata();
  private final Map<String, String> attributes = new LinkedHashMap<>();

  /** A call of {@code method} on {@code service} ({@code helloworld.Greeter}, {@code SayHello}). */
  public TestCall(String service, String method) {
    this.service = Objects.requireNonNull(service, "service");
    this.method = Objects.requireNonNull(method, "method");
  }

  /** Adds a request metadata value, checked as filters' writes are; returns this. */
  public TestCall header(String key, String value) {
    requestHeaders.add(key, value);
    return this;
  }

  /** Sets an attribute, as an earlier filter would have; returns this. */
  public TestCall attribute(String key, String value) {
    attributes.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    return this;
  }

  @Override
  public String service() {
    return service;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public TestMetadata requestHeaders() {
    return requestHeaders;
  }

  @Override
  public Map<String, String> attributes() {
    return attributes;
  }

  @Override
  public String toString() {
    return "/" + service + "/" + method + " " + requestHeaders + " " + attributes;
  }
}

package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.Metadata;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/** A call with the request metadata a test gives it; balancers only read it. */
final class TestCall implements Call {

  private final Map<String, String> headers;

  private TestCall(Map<String, String> headers) {
    this.headers = headers;
  }

  static TestCall withoutMetadata() {
    return new TestCall(Map.of());
  }

  static TestCall with(String key, String value) {
    return new TestCall(Map.of(key, value));
  }

  @Override
  public String service() {
    return "test.Service";
  }

  @Override
  public String method() {
    return "Call";
  }

  @Override
  public Map<String, String> attributes() {
    return Map.of();
  }

  @Override
  public Metadata requestHeaders() {
    return new Metadata() {
      @Override
      public String get(String key) {
        return headers.get(key);
      }

      @Override
      public List<String> getAll(String key) {
        String value = headers.get(key);
        return value == null ? List.of() : List.of(value);
      }

      @Override
      public boolean contains(String key) {
        return headers.containsKey(key);
      }

      @Override
      public Set<String> keys() {
        return Set.copyOf(headers.keySet());
      }

      @Override
      public void forEach(BiConsumer<String, String> action) {
        new LinkedHashMap<>(headers).forEach(action);
      }

      @Override
      public void add(String key, String value) {
        throw new UnsupportedOperationException("balancers only read metadata");
      }

      @Override
      public void set(String key, String value) {
        throw new UnsupportedOperationException("balancers only read metadata");
      }

      @Override
      public boolean remove(String key) {
        throw new UnsupportedOperationException("balancers only read metadata");
      }
    };
  }

  /** Endpoints 10.0.0.1:7000, 10.0.0.2:7000, ... as one immutable list. */
  static List<Endpoint> endpoints(int count) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      endpoints.add(Endpoint.of("10.0.0." + i, 7000));
    }
    return List.copyOf(endpoints);
  }
}

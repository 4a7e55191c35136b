package io.opizontas.bench.balancing;

import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.Metadata;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A call with one metadata entry, {@code x-user-id}, for ring-hash to hash. Built once per key
 * before measuring; reading it allocates nothing, so a pick's allocations are the balancer's own.
 */
final class KeyedCall implements Call, Metadata {

  static final String KEY = "x-user-id";

  private final String user;

  KeyedCall(String user) {
    this.user = user;
  }

  @Override
  public String service() {
    return "bench.Service";
  }

  @Override
  public String method() {
    return "Call";
  }

  @Override
  public Metadata requestHeaders() {
    return this;
  }

  @Override
  public Map<String, String> attributes() {
    return Map.of();
  }

  @Override
  public String get(String key) {
    return KEY.equals(key) ? user : null;
  }

  @Override
  public List<String> getAll(String key) {
    return KEY.equals(key) ? List.of(user) : List.of();
  }

  @Override
  public boolean contains(String key) {
    return KEY.equals(key);
  }

  @Override
  public Set<String> keys() {
    return Set.of(KEY);
  }

  @Override
  public void forEach(BiConsumer<String, String> action) {
    action.accept(KEY, user);
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
}

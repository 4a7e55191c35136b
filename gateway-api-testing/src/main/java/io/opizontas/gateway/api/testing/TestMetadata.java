package io.opizontas.gateway.api.testing;

import io.opizontas.gateway.api.Metadata;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Metadata a test writes and reads: request headers for a {@link TestCall}, or the response headers
 * and trailers a filter's hooks are given. Keeps the rules of the runtime's views: keys without
 * regard to case and reported in lower case, values in the order added, and writes checked with
 * {@link Metadata#checkWritableKey} and {@link Metadata#checkValue}, so a filter that writes a
 * reserved key fails here as in the gateway. Not thread-safe, like the runtime's views.
 */
public final class TestMetadata implements Metadata {

  private record Field(String key, String value) {}

  private final List<Field> fields = new ArrayList<>();

  /** Empty metadata. */
  public TestMetadata() {}

  /** Metadata holding {@code values}, in the map's order; keys and values are checked as writes are. */
  public static TestMetadata of(Map<String, String> values) {
    TestMetadata metadata = new TestMetadata();
    values.forEach(metadata::add);
    return metadata;
  }

  /** Allocates nothing for a lower-case key, so a balancer's allocations can be measured with it. */
  @Override
  public String get(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    for (int i = 0; i < fields.size(); i++) {
      if (fields.get(i).key().equals(k)) {
        return fields.get(i).value();
      }
    }
    return null;
  }

  @Override
  public List<String> getAll(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return fields.stream().filter(f -> f.key().equals(k)).map(Field::value).toList();
  }

  @Override
  public boolean contains(String key) {
    return get(key) != null;
  }

  @Override
  public Set<String> keys() {
    Set<String> keys = new LinkedHashSet<>();
    fields.forEach(f -> keys.add(f.key()));
    return keys;
  }

  @Override
  public void forEach(BiConsumer<String, String> action) {
    fields.forEach(f -> action.accept(f.key(), f.value()));
  }

  @Override
  public void add(String key, String value) {
    String k = Metadata.checkWritableKey(key);
    fields.add(new Field(k, Metadata.checkValue(k, value)));
  }

  @Override
  public void set(String key, String value) {
    String k = Metadata.checkWritableKey(key);
    Metadata.checkValue(k, value);
    remove(k);
    fields.add(new Field(k, value));
  }

  @Override
  public boolean remove(String key) {
    if (Metadata.isReserved(key)) {
      throw new IllegalArgumentException("metadata key '" + key + "' is reserved for the transport");
    }
    String k = key.toLowerCase(Locale.ROOT);
    return fields.removeIf(f -> f.key().equals(k));
  }

  @Override
  public String toString() {
    return fields.toString();
  }
}

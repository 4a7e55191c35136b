package io.opizontas.gateway.plugin;

import io.opizontas.gateway.api.Metadata;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

/**
 * A call's Jetty header fields as plugin metadata. Reads and writes go straight to the fields the
 * data path forwards: nothing is copied. Every write is checked with {@link
 * Metadata#checkWritableKey} and {@link Metadata#checkValue}, so a plugin cannot touch the framing.
 */
public final class FieldsMetadata implements Metadata {

  private final HttpFields.Mutable fields;
  private final boolean writable;

  FieldsMetadata(HttpFields.Mutable fields) {
    this(fields, true);
  }

  private FieldsMetadata(HttpFields.Mutable fields, boolean writable) {
    this.fields = fields;
    this.writable = writable;
  }

  /**
   * A view of {@code fields} whose writes throw: what a balancer gets, since it may read a call's
   * metadata (a ring-hash key) but must not change what is forwarded.
   */
  public static FieldsMetadata readOnly(HttpFields.Mutable fields) {
    return new FieldsMetadata(fields, false);
  }

  @Override
  public String get(String key) {
    return fields.get(key);
  }

  @Override
  public List<String> getAll(String key) {
    return fields.getValuesList(key);
  }

  @Override
  public boolean contains(String key) {
    return fields.contains(key);
  }

  @Override
  public Set<String> keys() {
    Set<String> keys = new LinkedHashSet<>();
    for (HttpField field : fields) {
      keys.add(field.getLowerCaseName());
    }
    return Collections.unmodifiableSet(keys);
  }

  @Override
  public void forEach(BiConsumer<String, String> action) {
    for (HttpField field : fields) {
      action.accept(field.getLowerCaseName(), field.getValue());
    }
  }

  @Override
  public void add(String key, String value) {
    checkWritable();
    fields.add(Metadata.checkWritableKey(key), Metadata.checkValue(key, value));
  }

  @Override
  public void set(String key, String value) {
    checkWritable();
    fields.put(Metadata.checkWritableKey(key), Metadata.checkValue(key, value));
  }

  @Override
  public boolean remove(String key) {
    checkWritable();
    String k = Metadata.checkWritableKey(key);
    if (!fields.contains(k)) {
      return false;
    }
    fields.remove(k);
    return true;
  }

  private void checkWritable() {
    if (!writable) {
      throw new UnsupportedOperationException("this call's metadata is read-only here");
    }
  }

  @Override
  public String toString() {
    return fields.toString();
  }
}

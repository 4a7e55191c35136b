package io.opizontas.gateway.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;

class FieldsMetadataTest {

  private final HttpFields.Mutable fields = HttpFields.build()
      .add("content-type", "application/grpc")
      .add("X-Trace", "a")
      .add("x-trace", "b")
      .add("token-bin", "AAEC");
  private final FieldsMetadata metadata = new FieldsMetadata(fields);

  @Test
  void readsAreCaseInsensitiveAndKeepEveryValueInOrder() {
    assertThat(metadata.get("x-TRACE")).isEqualTo("a");
    assertThat(metadata.getAll("x-trace")).containsExactly("a", "b");
    assertThat(metadata.getAll("absent")).isEmpty();
    assertThat(metadata.get("absent")).isNull();
    assertThat(metadata.contains("Token-Bin")).isTrue();
    assertThat(metadata.keys()).containsExactly("content-type", "x-trace", "token-bin");
  }

  @Test
  void forEachVisitsEveryValueWithLowerCaseKeys() {
    List<String> seen = new ArrayList<>();
    metadata.forEach((k, v) -> seen.add(k + "=" + v));
    assertThat(seen).containsExactly("content-type=application/grpc", "x-trace=a", "x-trace=b", "token-bin=AAEC");
  }

  @Test
  void writesGoStraightToTheFields() {
    metadata.add("X-New", "1");
    metadata.set("x-trace", "c");
    assertThat(metadata.remove("token-bin")).isTrue();
    assertThat(metadata.remove("token-bin")).isFalse();

    assertThat(fields.get("x-new")).isEqualTo("1");
    assertThat(fields.getValuesList("x-trace")).containsExactly("c");
    assertThat(fields.contains("token-bin")).isFalse();
  }

  @Test
  void writesToTheFramingOrWithBadValuesAreRefusedAndChangeNothing() {
    assertThatThrownBy(() -> metadata.remove("content-type")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> metadata.set(":path", "/evil/Method")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> metadata.add("x-a", "one\r\nx-b: two")).isInstanceOf(IllegalArgumentException.class);
    assertThat(fields.size()).isEqualTo(4);
  }

  @Test
  void aReadOnlyViewReadsTheFieldsAndRefusesEveryWrite() {
    fields.put("x-user-id", "u1");
    FieldsMetadata view = FieldsMetadata.readOnly(fields);

    assertThat(view.get("x-user-id")).isEqualTo("u1");
    assertThatThrownBy(() -> view.set("x-user-id", "u2")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> view.add("x-other", "v")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> view.remove("x-user-id")).isInstanceOf(UnsupportedOperationException.class);
    assertThat(fields.get("x-user-id")).isEqualTo("u1");
    assertThat(fields.contains("x-other")).isFalse();
  }
}

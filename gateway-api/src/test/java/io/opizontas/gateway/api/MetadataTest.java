package io.opizontas.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MetadataTest {

  @ParameterizedTest
  @ValueSource(strings = {":path", ":authority", "content-type", "Content-Type", "te", "connection", "host"})
  void transportHeadersAreReservedAndCannotBeWritten(String key) {
    assertThat(Metadata.isReserved(key)).isTrue();
    assertThatThrownBy(() -> Metadata.checkWritableKey(key))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reserved");
  }

  @Test
  void applicationKeysAreWritableAndLowerCased() {
    assertThat(Metadata.isReserved("x-user-id")).isFalse();
    assertThat(Metadata.checkWritableKey("X-User_ID.v2")).isEqualTo("x-user_id.v2");
    assertThat(Metadata.checkWritableKey("trace-bin")).isEqualTo("trace-bin");
  }

  @Test
  void malformedKeysNameTheCharacter() {
    assertThatThrownBy(() -> Metadata.checkWritableKey("x user"))
        .hasMessageContaining("'x user'")
        .hasMessageContaining("' '");
    assertThatThrownBy(() -> Metadata.checkWritableKey("")).hasMessageContaining("empty");
  }

  @Test
  void valuesMustBePrintableAscii() {
    assertThat(Metadata.checkValue("k", "Bearer abc/+=")).isEqualTo("Bearer abc/+=");
    assertThat(Metadata.checkValue("k", "")).isEmpty();
    assertThatThrownBy(() -> Metadata.checkValue("k", "a\r\nx-injected: 1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'k'")
        .hasMessageContaining("index 1");
    assertThatThrownBy(() -> Metadata.checkValue("k", "caf\u00e9")).hasMessageContaining("index 3");
  }
}

package io.opizontas.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.List;
import org.junit.jupiter.api.Test;

class TlsMaterialTest {

  @Test
  void trustOnlyMaterialHasNoKey() {
    TlsMaterial material = new TlsMaterial(null, List.of(), List.of());
    assertThat(material.hasKey()).isFalse();
  }

  @Test
  void aKeyWithoutItsChainIsRejected() throws Exception {
    PrivateKey key = KeyPairGenerator.getInstance("EC").generateKeyPair().getPrivate();
    assertThatThrownBy(() -> new TlsMaterial(key, List.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("certificate chain");
  }
}

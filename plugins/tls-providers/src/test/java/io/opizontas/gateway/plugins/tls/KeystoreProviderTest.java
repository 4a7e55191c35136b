package io.opizontas.gateway.plugins.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;


import io.opizontas.gateway.api.PluginConfigException;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.api.TlsMaterial;
import io.opizontas.gateway.api.testing.TestPluginContext;
import io.opizontas.gateway.testing.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeystoreProviderTest {

  private static final TestCa CA = TestCa.create("keystore test CA");

  @TempDir Path dir;
  private final TestPluginContext context = new TestPluginContext("tls-providers");
  private final BlockingQueue<TlsMaterial> rotations = new LinkedBlockingQueue<>();
  private final KeystoreProvider provider = new KeystoreProvider(Map.of("STORE_PASSWORD", "changeit")::get);

  @AfterEach
  void close() {
    provider.close();
    context.close();
  }

  private TlsMaterial start(Map<String, Object> options) throws Exception {
    return provider.start(new TablePluginConfig("keystore", options), context, rotations::add);
  }

  @Test
  void readsTheKeyStoreAndTheTrustStore() throws Exception {
    TestCa.Issued issued = CA.issue("server", "localhost");
    Path keystore = issued.writePkcs12(dir.resolve("server.p12"), "server", "changeit".toCharArray());
    Path truststore = TestCa.writeTrustStore(dir.resolve("trust.p12"), "changeit".toCharArray(), CA.certificate());
    Files.writeString(dir.resolve("trust-password"), "changeit");
    TlsMaterial material = start(Map.of("keystore", keystore.toString(), "keystore_password_env", "STORE_PASSWORD",
        "truststore", truststore.toString(), "truststore_password_file", dir.resolve("trust-password").toString()));
    assertThat(material.privateKey().getEncoded()).isEqualTo(issued.key().getEncoded());
    assertThat(material.certificateChain()).containsExactlyElementsOf(issued.chain());
    assertThat(material.trustedCertificates()).containsExactly(CA.certificate());
  }

  @Test
  void aMissingPasswordVariableIsNamed() {
    Path keystore = CA.issue("server").writePkcs12(dir.resolve("server.p12"), "server", "changeit".toCharArray());
    assertThatThrownBy(() -> start(Map.of("keystore", keystore.toString(), "keystore_password_env", "NOPE")))
        .isInstanceOf(PluginConfigException.class)
        .hasMessageContaining("NOPE is not set");
  }

  @Test
  void aPasswordWrittenInTheConfigurationIsRefused() {
    assertThatThrownBy(() -> start(Map.of("keystore", "x.p12", "keystore_password", "changeit")))
        .isInstanceOf(PluginConfigException.class)
        .hasMessageContaining("never written in the configuration");
  }

  @Test
  void aReplacedKeyStoreIsAnnounced() throws Exception {
    Path keystore = CA.issue("first").writePkcs12(dir.resolve("server.p12"), "server", "changeit".toCharArray());
    start(Map.of("keystore", keystore.toString(), "keystore_password_env", "STORE_PASSWORD", "watch_interval", "50ms"));
    TestCa.Issued next = CA.issue("second");
    Path staged = next.writePkcs12(dir.resolve("staged.p12"), "server", "changeit".toCharArray());
    Files.move(staged, keystore, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    TlsMaterial rotated = rotations.poll(5, TimeUnit.SECONDS);
    assertThat(rotated).isNotNull();
    assertThat(rotated.certificateChain().get(0)).isEqualTo(next.certificate());
  }
}

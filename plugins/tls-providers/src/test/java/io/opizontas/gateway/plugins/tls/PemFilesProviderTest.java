package io.opizontas.gateway.plugins.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;


import io.opizontas.gateway.api.PluginConfigException;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.api.TlsMaterial;
import io.opizontas.gateway.api.testing.TestPluginContext;
import io.opizontas.gateway.testing.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemFilesProviderTest {

  private static final TestCa CA = TestCa.create("pem test CA");
  private static final Map<String, String> ENV = Map.of("KEY_PASSWORD", "s3cret");

  @TempDir Path dir;
  private final TestPluginContext context = new TestPluginContext("tls-providers");
  private final BlockingQueue<TlsMaterial> rotations = new LinkedBlockingQueue<>();
  private PemFilesProvider provider = new PemFilesProvider(ENV::get);

  @AfterEach
  void close() {
    provider.close();
    context.close();
  }

  private TlsMaterial start(Map<String, Object> options) throws Exception {
    return provider.start(new TablePluginConfig("pem-files", options), context, rotations::add);
  }

  private Map<String, Object> files(String key) {
    return Map.of("cert", dir.resolve("server.crt").toString(), "key", dir.resolve(key).toString(),
        "ca", CA.writeCertificate(dir.resolve("ca.crt")).toString());
  }

  @Test
  void readsAnEcPkcs8KeyItsChainAndTheCaBundle() throws Exception {
    TestCa.Issued issued = CA.issue("server", "localhost").writePem(dir, "server");
    TlsMaterial material = start(files("server.key"));
    assertThat(material.privateKey()).isEqualTo(issued.key());
    assertThat(material.certificateChain()).containsExactlyElementsOf(issued.chain());
    assertThat(material.trustedCertificates()).containsExactly(CA.certificate());
  }

  @Test
  void relativePathsAreUnderTheGatewaysHome() throws Exception {
    TestCa.Issued issued = CA.issue("server", "localhost").writePem(dir, "server");
    Files.writeString(dir.resolve("enc.key"), issued.traditionalPem("from-file".toCharArray()));
    Files.writeString(dir.resolve("password"), "from-file\n");
    CA.writeCertificate(dir.resolve("ca.crt"));
    context.withHome(dir);

    TlsMaterial material = start(Map.of("cert", "server.crt", "key", "enc.key", "ca", "ca.crt",
        "key_password_file", "password"));

    assertThat(((ECPrivateKey) material.privateKey()).getS()).isEqualTo(((ECPrivateKey) issued.key()).getS());
    assertThat(material.certificateChain()).containsExactlyElementsOf(issued.chain());
    assertThat(material.trustedCertificates()).containsExactly(CA.certificate());
  }

  @Test
  void readsRsaKeysInPkcs1AndEncryptedForms() throws Exception {
    TestCa.Issued issued = CA.issueRsa("server", "localhost").writePem(dir, "server");
    Files.writeString(dir.resolve("pkcs1.key"), issued.traditionalPem(null));
    Files.writeString(dir.resolve("pkcs1-enc.key"), issued.traditionalPem("s3cret".toCharArray()));
    Files.writeString(dir.resolve("pkcs8-enc.key"), issued.encryptedPkcs8Pem("s3cret".toCharArray()));
    assertThat(Files.readString(dir.resolve("pkcs1.key"))).contains("BEGIN RSA PRIVATE KEY");
    for (String key : List.of("pkcs1.key", "pkcs1-enc.key", "pkcs8-enc.key")) {
      Map<String, Object> options = new java.util.HashMap<>(files(key));
      options.put("key_password_env", "KEY_PASSWORD");
      provider = new PemFilesProvider(ENV::get);
      assertThat(start(options).privateKey().getEncoded()).as(key).isEqualTo(issued.key().getEncoded());
      provider.close();
    }
  }

  @Test
  void readsEncryptedEcKeysWithThePasswordFromAFile() throws Exception {
    TestCa.Issued issued = CA.issue("server", "localhost").writePem(dir, "server");
    Files.writeString(dir.resolve("ec-enc.key"), issued.traditionalPem("from-file".toCharArray()));
    Files.writeString(dir.resolve("password"), "from-file\n");
    Map<String, Object> options = new java.util.HashMap<>(files("ec-enc.key"));
    options.put("key_password_file", dir.resolve("password").toString());
    // The same key, though encoded with its curve inside, as OpenSSL's EC format has it.
    assertThat(((ECPrivateKey) start(options).privateKey()).getS()).isEqualTo(((ECPrivateKey) issued.key()).getS());
  }

  @Test
  void anEncryptedKeyWithoutPasswordIsRefusedNamingTheSetting() {
    TestCa.Issued issued = CA.issue("server", "localhost").writePem(dir, "server");
    TestCa.write(dir.resolve("enc.key"), issued.encryptedPkcs8Pem("x".toCharArray()));
    assertThatThrownBy(() -> start(files("enc.key"))).hasMessageContaining("key_password_env");
  }

  @Test
  void aPasswordWrittenInTheConfigurationIsRefused() {
    CA.issue("server", "localhost").writePem(dir, "server");
    Map<String, Object> options = new java.util.HashMap<>(files("server.key"));
    options.put("key_password", "plain");
    assertThatThrownBy(() -> start(options))
        .isInstanceOf(PluginConfigException.class)
        .hasMessageContaining("never written in the configuration");
  }

  @Test
  void aKeyOfAnotherCertificateIsRefused() {
    CA.issue("server", "localhost").writePem(dir, "server");
    CA.issue("other", "localhost").writePem(dir, "other");
    Map<String, Object> options = Map.of("cert", dir.resolve("server.crt").toString(),
        "key", dir.resolve("other.key").toString());
    assertThatThrownBy(() -> start(options)).hasMessageContaining("does not belong to the certificate");
  }

  @Test
  void replacedFilesAreAnnouncedOnceBothHalvesMatch() throws Exception {
    CA.issue("first", "localhost").writePem(dir, "server");
    Map<String, Object> options = new java.util.HashMap<>(files("server.key"));
    options.put("watch_interval", "50ms");
    start(options);
    TestCa.Issued next = CA.issue("second", "localhost");
    // Half a rotation: the new key next to the old certificate is never announced.
    TestCa.write(dir.resolve("server.key"), next.pkcs8Pem());
    assertThat(rotations.poll(500, TimeUnit.MILLISECONDS)).isNull();
    TestCa.write(dir.resolve("server.crt"), next.chainPem());
    TlsMaterial rotated = rotations.poll(5, TimeUnit.SECONDS);
    assertThat(rotated).isNotNull();
    assertThat(rotated.certificateChain().get(0)).isEqualTo(next.certificate());
    assertThat(rotated.privateKey().getEncoded()).isEqualTo(next.key().getEncoded());
  }

  @Test
  void aBrokenFileKeepsTheMaterialAndAFixedOneIsAnnounced() throws Exception {
    TestCa.Issued first = CA.issue("first", "localhost").writePem(dir, "server");
    Map<String, Object> options = new java.util.HashMap<>(files("server.key"));
    options.put("watch_interval", "50ms");
    start(options);
    TestCa.write(dir.resolve("server.crt"), "-----BEGIN CERTIFICATE-----\ntrunc");
    assertThat(rotations.poll(500, TimeUnit.MILLISECONDS)).isNull();
    TestCa.write(dir.resolve("server.crt"), first.chainPem() + "\n");
    await().atMost(Duration.ofSeconds(5)).until(() -> !rotations.isEmpty());
    assertThat(rotations.take().certificateChain()).containsExactlyElementsOf(first.chain());
  }

  @Test
  void trustOnlyMaterialHasNoKey() throws Exception {
    TlsMaterial material = start(Map.of("ca", CA.writeCertificate(dir.resolve("ca.crt")).toString()));
    assertThat(material.hasKey()).isFalse();
    assertThat(material.trustedCertificates()).containsExactly(CA.certificate());
  }

  @Test
  void unknownOptionsAreRefused() {
    assertThatThrownBy(() -> start(Map.of("certificate", "x")))
        .isInstanceOf(PluginConfigException.class)
        .hasMessageContaining("certificate");
  }
}

package com.example.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.api.TlsMaterial;
import io.opizontas.gateway.api.testing.TestPluginContext;
import io.opizontas.gateway.api.testing.TomlPluginConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyStoreTlsTest {

  @TempDir Path home;

  /** A PKCS#12 file with a new self-signed key for {@code name}, made by the JDK's keytool. */
  private void keyStore(Path file, String name) throws Exception {
    Files.deleteIfExists(file);
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "gateway", "-keyalg", "EC", "-dname", "CN=" + name, "-validity", "1",
        "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", "secret")
        .redirectErrorStream(true).start();
    assertThat(keytool.waitFor(30, TimeUnit.SECONDS) && keytool.exitValue() == 0)
        .as("keytool: %s", new String(keytool.getInputStream().readAllBytes())).isTrue();
  }

  @Test
  void servesTheFilesKeyAndAnnouncesTheNextOne() throws Exception {
    Path file = home.resolve("gateway.p12");
    keyStore(file, "first");
    BlockingQueue<TlsMaterial> rotations = new ArrayBlockingQueue<>(4);
    KeyStoreTls provider = new KeyStoreTls();
    try (TestPluginContext context = new TestPluginContext("my-plugin").withHome(home)) {
      TlsMaterial first = provider.start(TomlPluginConfig.parse("my-plugin", """
          file = "gateway.p12"
          password = "secret"
          reload_interval = "50ms"
          """), context, rotations::add);
      assertThat(first.certificateChain().get(0).getSubjectX500Principal().getName()).isEqualTo("CN=first");

      keyStore(file, "second");
      Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(60))); // surely "changed"
      TlsMaterial second = rotations.poll(5, TimeUnit.SECONDS);
      assertThat(second).as("a rotation within 5 s").isNotNull();
      assertThat(second.certificateChain().get(0).getSubjectX500Principal().getName()).isEqualTo("CN=second");
      provider.close();
    }
  }
}

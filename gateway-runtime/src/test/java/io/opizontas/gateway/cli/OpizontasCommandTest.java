package io.opizontas.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.PluginsConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** The command line in-process, as a user meets it: exit code, standard output, standard error. */
class OpizontasCommandTest {

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int execute(String... args) {
    CommandLine commandLine = OpizontasCommand.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    return commandLine.execute(args);
  }

  @Test
  void helpListsTheRunCommand() {
    assertThat(execute("--help")).isZero();
    assertThat(out.toString()).startsWith("Usage: opizontas").contains("run", "--version");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void runHelpDescribesConfigAndTheEmbeddedDefault() {
    assertThat(execute("run", "--help")).isZero();
    assertThat(out.toString()).contains("--config=FILE", "embedded default", "127.0.0.1:50051", "0.0.0.0:50051");
  }

  @Test
  void certsWritesACaAndCertificatesThatChainToIt() throws Exception {
    Path tls = dir.resolve("tls");
    assertThat(execute("certs", "--out", tls.toString(), "--host", "gateway.example")).isZero();
    assertThat(out.toString()).contains("gateway.crt/.key", "spiffe://opizontas.dev/client");
    java.security.cert.CertificateFactory x509 = java.security.cert.CertificateFactory.getInstance("X.509");
    java.security.cert.X509Certificate ca;
    try (var in = Files.newInputStream(tls.resolve("ca.crt"))) {
      ca = (java.security.cert.X509Certificate) x509.generateCertificate(in);
    }
    for (String name : java.util.List.of("gateway", "client", "backend")) {
      java.util.List<? extends java.security.cert.Certificate> chain;
      try (var in = Files.newInputStream(tls.resolve(name + ".crt"))) {
        chain = java.util.List.copyOf(x509.generateCertificates(in));
      }
      assertThat(chain).as(name + " chain: leaf, then the CA").hasSize(2).last().isEqualTo(ca);
      chain.get(0).verify(ca.getPublicKey());
      assertThat(Files.readString(tls.resolve(name + ".key"))).startsWith("-----BEGIN PRIVATE KEY-----");
      assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.resolve(name + ".key"))))
          .isEqualTo("rw-------");
    }
    java.security.cert.X509Certificate gatewayCert;
    try (var in = Files.newInputStream(tls.resolve("gateway.crt"))) {
      gatewayCert = (java.security.cert.X509Certificate) x509.generateCertificate(in);
    }
    assertThat(gatewayCert.getSubjectAlternativeNames().stream().map(san -> String.valueOf(san.get(1))).toList())
        .contains("localhost", "127.0.0.1", "gateway.example");
    // Never overwrites: a second run into the same directory stops.
    assertThat(execute("certs", "--out", tls.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("exists already");
  }

  @Test
  void versionIsTheProjectVersion() {
    assertThat(execute("--version")).isZero();
    assertThat(out.toString().trim()).matches("opizontas \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
  }

  @Test
  void badUsageExitsWithTwo() {
    assertThat(execute()).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required subcommand", "Usage: opizontas");

    assertThat(execute("frobnicate")).isEqualTo(2);
    assertThat(execute("run", "--no-such-option")).isEqualTo(2);
    assertThat(execute("run", "--config")).isEqualTo(2);
  }

  @Test
  void aBadConfigFileExitsWithOneAndTheOneLineError() throws IOException {
    Path file = dir.resolve("gateway.toml");
    Files.writeString(file, "# the listener\n[server]\nlisten = \"0.0.0.0\"\n");

    assertThat(execute("run", "--config", file.toString())).isEqualTo(1);

    assertThat(err.toString())
        .isEqualTo(file + ":3: server.listen: '0.0.0.0' is not host:port" + System.lineSeparator());
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void theEmbeddedDefaultListensOnLoopbackOnly() {
    assertThat(GatewayConfig.defaults().server().listen()).isEqualTo(new InetSocketAddress("127.0.0.1", 50051));
  }

  @Test
  void aListenAddressInUseIsNamedWithItsSetting() throws IOException {
    try (ServerSocket occupant = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Path file = dir.resolve("gateway.toml");
      Files.writeString(file, """
          [server]
          listen = "127.0.0.1:%d"
          [registration]
          enabled = false
          [admin]
          listen = "off"
          """.formatted(occupant.getLocalPort()));

      assertThat(execute("run", "--config", file.toString())).isEqualTo(1);

      assertThat(err.toString()).isEqualTo("opizontas: cannot start: 127.0.0.1:" + occupant.getLocalPort()
          + " (server.listen) is already in use; stop what listens there or choose another address"
          + System.lineSeparator());
    }
  }

  @Test
  void anAdminAddressInUseIsNamedWithItsSetting() throws IOException {
    try (ServerSocket occupant = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Path file = dir.resolve("gateway.toml");
      Files.writeString(file, """
          [server]
          listen = "127.0.0.1:0"
          [registration]
          enabled = false
          [admin]
          listen = "127.0.0.1:%d"
          """.formatted(occupant.getLocalPort()));

      assertThat(execute("run", "--config", file.toString())).isEqualTo(1);

      assertThat(err.toString()).isEqualTo("opizontas: cannot start: admin.listen 127.0.0.1:" + occupant.getLocalPort()
          + " is already in use; stop what listens there, choose another address or set [admin] listen = \"off\""
          + System.lineSeparator());
    }
  }

  @Test
  void theDemoWithNoGatewaySaysSoAndHowToStartOne() throws IOException {
    int closed;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = probe.getLocalPort();
    }

    assertThat(execute("demo", "--gateway", "127.0.0.1:" + closed, "--token", "t")).isEqualTo(1);

    assertThat(err.toString()).isEqualTo("opizontas demo: no gateway answers at 127.0.0.1:" + closed
        + " (connection refused). Start one with 'opizontas run' (bin/opizontas run in the distribution),"
        + " or point --gateway at the address yours listens on." + System.lineSeparator());
  }

  @Test
  void aMissingConfigFileExitsWithOne() {
    Path missing = dir.resolve("absent.toml");

    assertThat(execute("run", "-c", missing.toString())).isEqualTo(1);

    assertThat(err.toString()).isEqualTo(missing + ": no such file" + System.lineSeparator());
  }

  @Test
  void aRelativePluginsDirectoryResolvesAgainstTheHome() {
    GatewayConfig defaults = GatewayConfig.defaults();

    assertThat(RunCommand.underHome(defaults, "/opt/opizontas").plugins().directory())
        .isEqualTo(Path.of("/opt/opizontas/plugins"));
    assertThat(RunCommand.underHome(defaults, null)).isEqualTo(defaults);
    GatewayConfig absolute = defaults.withPlugins(new PluginsConfig(Path.of("/srv/plugins")));
    assertThat(RunCommand.underHome(absolute, "/opt/opizontas").plugins())
        .isEqualTo(new PluginsConfig(Path.of("/srv/plugins"), Path.of("/opt/opizontas")));
    // Plugins resolve their own relative paths against the same home (PluginContext.home()).
    assertThat(RunCommand.underHome(defaults, "/opt/opizontas").plugins().home()).isEqualTo(Path.of("/opt/opizontas"));
  }

  @Test
  void aPluginsDirectoryOfOnesOwnSaysLoudlyThatTheBuiltInsAreNotLoaded() throws IOException {
    Path home = Files.createDirectories(dir.resolve("opizontas"));
    Files.createDirectories(home.resolve("plugins"));
    Files.writeString(home.resolve("plugins/memory-registry-0.1.0-plugin.jar"), "");
    Path own = Files.createDirectories(dir.resolve("my-plugins"));
    Logger logger = (Logger) LoggerFactory.getLogger(RunCommand.class);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    logger.addAppender(log);
    try {
      GatewayConfig builtIn = RunCommand.underHome(GatewayConfig.defaults(), home.toString());
      RunCommand.warnIfBuiltInsAreLeftOut(builtIn, home.toString());
      assertThat(log.list).isEmpty();

      GatewayConfig mine = GatewayConfig.defaults().withPlugins(new PluginsConfig(own));
      RunCommand.warnIfBuiltInsAreLeftOut(mine, home.toString());
      assertThat(log.list).singleElement().satisfies(event -> {
        assertThat(event.getLevel()).isEqualTo(Level.WARN);
        assertThat(event.getFormattedMessage()).isEqualTo("[plugins] directory is " + own.toAbsolutePath()
            + ", so the built-in plugins in " + home.resolve("plugins").toAbsolutePath()
            + " are NOT loaded (memory-registry-0.1.0-plugin.jar); copy the jars you use into " + own.toAbsolutePath());
      });
    } finally {
      logger.detachAppender(log);
    }
  }
}

package io.opizontas.gateway.plugins.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.cli.OpizontasCommand;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.server.Gateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * README's "TLS and mutual TLS in five minutes", as a newcomer runs it: {@code opizontas certs}, the
 * configuration shown there, and {@code opizontas demo --tls}: a call over TLS with a client
 * certificate, registered by that certificate, forwarded over mutual TLS to a backend that
 * requires the gateway's certificate.
 */
class TlsDemoIT {

  @TempDir Path dir;

  private int run(StringWriter out, String... args) {
    CommandLine commandLine = new CommandLine(new OpizontasCommand());
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(out, true));
    return commandLine.execute(args);
  }

  @Test
  void theReadmeRecipeRunsEndToEnd() throws Exception {
    Path plugins = Files.createDirectory(dir.resolve("plugins"));
    Files.copy(Path.of(System.getProperty("plugin.jar")), plugins.resolve("tls-providers.jar"));
    Files.copy(Path.of(System.getProperty("memory.plugin.jar")), plugins.resolve("memory-registry.jar"));
    Path tls = dir.resolve("tls");
    StringWriter certs = new StringWriter();
    assertThat(run(certs, "certs", "--out", tls.toString())).as(certs.toString()).isZero();

    // The README's configuration, with its paths pointed at this test's directory.
    String readme = Files.readString(Path.of(System.getProperty("readme")));
    String toml = readme.substring(readme.indexOf("```toml\n# tls-demo.toml") + "```toml\n".length());
    toml = toml.substring(0, toml.indexOf("```"))
        .replace("conf/tls/", tls + "/")
        .replace("listen = \"127.0.0.1:50051\"", "listen = \"127.0.0.1:0\"")
        .replace("listen = \"127.0.0.1:50443\"", "listen = \"127.0.0.1:0\"")
        + "\n[plugins]\ndirectory = \"" + plugins + "\"\n[admin]\nlisten = \"off\"\n";
    try (Gateway gateway = Gateway.start(GatewayConfigReader.read(toml, "tls-demo.toml"))) {
      StringWriter demo = new StringWriter();
      int exit = run(demo, "demo", "--gateway", "127.0.0.1:" + gateway.tlsAddress().getPort(), "--tls", tls.toString());
      assertThat(exit).as(demo.toString()).isZero();
      assertThat(demo.toString())
          .contains("(TLS, client certificate required)")
          .contains("over TLS, by client certificate")
          .contains("hello, newcomer, from the demo backend");
    }
  }
}

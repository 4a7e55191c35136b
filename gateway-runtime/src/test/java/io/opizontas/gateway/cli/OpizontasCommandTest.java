package io.opizontas.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.PluginsConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
    assertThat(out.toString()).contains("--config=FILE", "embedded default", "0.0.0.0:50051");
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
    assertThat(RunCommand.underHome(absolute, "/opt/opizontas")).isEqualTo(absolute);
  }
}

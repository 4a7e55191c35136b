package io.opizontas.gateway.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A gRPC client of a stack other than grpc-java ({@link PythonGrpcio}, {@link GrpcJs}), run as a
 * script in a process of its own. Its commands run concurrently, and each prints one line when it
 * ends, {@code OK <command> <arg> ...} or {@code FAILED <command> <arg>: <status> <details>}; the exit
 * status is 0 when every one ended OK.
 */
public final class ScriptedClient {

  private final String stack;
  private final Process process;
  private final Path output;

  private ScriptedClient(String stack, Process process, Path output) {
    this.stack = stack;
    this.process = process;
    this.output = output;
  }

  /**
   * Returns when {@code missing} is null. Otherwise the test fails when the environment says
   * {@code CI=true} (.ci/run installs every stack, so one missing there is a broken build), and
   * elsewhere is skipped with a message on stderr that says how to install it.
   */
  static void assume(String stack, String missing, String install) {
    if (missing == null) {
      return;
    }
    String message = stack + " is needed: " + missing + "; install it with `" + install + "`";
    if ("true".equals(System.getenv("CI"))) {
      fail(message + " (CI=true: this test must not be skipped)");
    }
    System.err.println("\n*** SKIPPED, " + message + " ***\n");
    Assumptions.abort(message);
  }

  /** Why {@code command} does not succeed within 30 s (its output included), or null when it does. */
  static String failureOf(String... command) {
    String shown = "`" + String.join(" ", command) + "`";
    try {
      Process check = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!check.waitFor(30, TimeUnit.SECONDS)) {
        check.destroyForcibly();
        return shown + " did not finish";
      }
      return check.exitValue() == 0 ? null
          : shown + " failed: " + new String(check.getInputStream().readAllBytes()).trim();
    } catch (IOException e) {
      return "cannot run " + shown + ": " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** Runs {@code command} in {@code directory} (null: this one), its output to a temporary file. */
  static ScriptedClient start(String stack, List<String> command, Path directory) throws IOException {
    Path output = Files.createTempFile("scripted_client", ".out");
    output.toFile().deleteOnExit();
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    if (directory != null) {
      builder.directory(directory.toFile());
    }
    return new ScriptedClient(stack, builder.start(), output);
  }

  /** Waits for the script to end and returns its exit status (0: every command ended OK). */
  public int await(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the " + stack + " client did not finish within " + timeout + "; it printed:\n" + output());
    }
    return process.exitValue();
  }

  /** What the script printed so far, stdout and stderr. */
  public String output() {
    try {
      return Files.readString(output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package io.opizontas.gateway.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Python grpcio, whose transport is gRPC C-core: the second client stack the gateway is tested
 * against, because C-core answers HTTP/2 events (GOAWAY, resets, header checks) unlike grpc-java.
 * Runs Debian's {@code python3-grpcio} under {@code /usr/bin/python3}, driving the script
 * {@code python/grpcio_client.py} of the test resources against {@link ByteService}.
 */
public final class PythonGrpcio {

  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final String SCRIPT = "/python/grpcio_client.py";

  private PythonGrpcio() {}

  /**
   * Returns when python grpcio can run. Without it the test fails when the environment says
   * {@code CI=true} (.ci/run installs it, so it missing there is a broken build), and elsewhere is
   * skipped with a message on stderr that says how to install it.
   */
  public static void assumeAvailable() {
    String missing = missing();
    if (missing == null) {
      return;
    }
    String message = "python grpcio is needed: " + missing + "; install it with `apt-get install -y python3-grpcio`";
    if ("true".equals(System.getenv("CI"))) {
      fail(message + " (CI=true: this test must not be skipped)");
    }
    System.err.println("\n*** SKIPPED, " + message + " ***\n");
    Assumptions.abort(message);
  }

  /** Why python grpcio cannot run, or null when it can. */
  private static String missing() {
    if (!Files.isExecutable(PYTHON)) {
      return PYTHON + " does not exist";
    }
    try {
      Process check = new ProcessBuilder(PYTHON.toString(), "-c", "import grpc").redirectErrorStream(true).start();
      if (!check.waitFor(30, TimeUnit.SECONDS)) {
        check.destroyForcibly();
        return "`" + PYTHON + " -c 'import grpc'` did not finish";
      }
      return check.exitValue() == 0 ? null : "`" + PYTHON + " -c 'import grpc'` failed: "
          + new String(check.getInputStream().readAllBytes()).trim();
    } catch (IOException e) {
      return "cannot run " + PYTHON + ": " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /**
   * Starts the client script against the gateway on 127.0.0.1:{@code port}: {@code commands} are
   * pairs such as {@code "slow", "3000"} or {@code "load", "10"} (see the script).
   */
  public static Run start(int port, String... commands) throws IOException {
    Path script = Files.createTempFile("grpcio_client", ".py");
    script.toFile().deleteOnExit();
    try (InputStream source = PythonGrpcio.class.getResourceAsStream(SCRIPT)) {
      if (source == null) {
        throw new IllegalStateException(SCRIPT + " is not on the test class path");
      }
      Files.copy(source, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    Path output = Files.createTempFile("grpcio_client", ".out");
    output.toFile().deleteOnExit();
    List<String> command = new ArrayList<>(List.of(PYTHON.toString(), script.toString(), Integer.toString(port)));
    command.addAll(List.of(commands));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    return new Run(process, output);
  }

  /** A running client script. */
  public static final class Run {
    private final Process process;
    private final Path output;

    private Run(Process process, Path output) {
      this.process = process;
      this.output = output;
    }

    /** Waits for the script to end and returns its exit status (0: every command ended OK). */
    public int await(Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("the python client did not finish within " + timeout + "; it printed:\n" + output());
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
}

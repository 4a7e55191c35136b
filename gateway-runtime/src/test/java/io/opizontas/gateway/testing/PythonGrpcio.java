package io.opizontas.gateway.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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

  /** Returns when python grpcio can run; see {@link ScriptedClient#assume}. */
  public static void assumeAvailable() {
    ScriptedClient.assume("python grpcio", missing(), "apt-get install -y python3-grpcio");
  }

  /** Why python grpcio cannot run, or null when it can. */
  private static String missing() {
    if (!Files.isExecutable(PYTHON)) {
      return PYTHON + " does not exist";
    }
    return ScriptedClient.failureOf(PYTHON.toString(), "-c", "import grpc");
  }

  /**
   * Starts the client script against the gateway on 127.0.0.1:{@code port}: {@code commands} are
   * pairs such as {@code "slow", "3000"} or {@code "load", "10"} (see the script).
   */
  public static ScriptedClient start(int port, String... commands) throws IOException {
    Path script = Files.createTempFile("grpcio_client", ".py");
    script.toFile().deleteOnExit();
    try (InputStream source = PythonGrpcio.class.getResourceAsStream(SCRIPT)) {
      if (source == null) {
        throw new IllegalStateException(SCRIPT + " is not on the test class path");
      }
      Files.copy(source, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    List<String> command = new ArrayList<>(List.of(PYTHON.toString(), script.toString(), Integer.toString(port)));
    command.addAll(List.of(commands));
    return ScriptedClient.start("python grpcio", command, null);
  }
}

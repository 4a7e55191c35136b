package io.opizontas.bench;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link ByteRelay} in a JVM of its own, started with the gateway's JVM options so that the two
 * proxies get the same heap and flags: {@code java OPTS -cp CLASSES io.opizontas.bench.ByteRelay
 * 127.0.0.1 BACKEND_PORT}, with this JVM's {@code java}. Its port is read from its first line.
 */
final class RelayProcess implements AutoCloseable {

  private final Process process;
  private final int port;

  private RelayProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts a relay to the backend on 127.0.0.1:{@code backendPort} and returns once it listens. */
  static RelayProcess start(int backendPort, String javaOpts, Path log) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String option : javaOpts.trim().split("\\s+")) {
      if (!option.isEmpty()) {
        command.add(option);
      }
    }
    command.addAll(List.of("-cp", classes(), ByteRelay.class.getName(), "127.0.0.1", Integer.toString(backendPort)));
    GatewayProcess.Started started = GatewayProcess.start(new ProcessBuilder(command), log, "the relay",
        line -> line.startsWith(ByteRelay.LISTENING)
            ? new int[] {Integer.parseInt(line.substring(line.lastIndexOf(':') + 1).trim())}
            : null);
    return new RelayProcess(started.process(), started.ports()[0]);
  }

  /** Where ByteRelay's class was loaded from: it needs nothing but the JDK. */
  private static String classes() throws URISyntaxException {
    return Path.of(ByteRelay.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }

  int port() {
    return port;
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() throws InterruptedException {
    GatewayProcess.stop(process);
  }
}

package io.opizontas.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway under test, as users run it: the distribution's {@code bin/opizontas run --config
 * FILE} in a process of its own, with its JVM options in {@code JAVA_OPTS}. It binds port 0; the
 * port is read from its start-up log line. Its output goes to a log file.
 */
final class GatewayProcess implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile("Opizontas gateway listening on .*:(\\d+) \\(h2c\\)");
  /** The same start-up line names the TLS listener after the h2c one, when [server.tls] is set. */
  private static final Pattern TLS_LISTENING = Pattern.compile("\\(h2c\\) and .*:(\\d+) \\(h2 over TLS");

  private final Process process;
  private final int port;
  private final int tlsPort;
  private final Path log;

  private GatewayProcess(Process process, int[] ports, Path log) {
    this.process = process;
    this.port = ports[0];
    this.tlsPort = ports[1];
    this.log = log;
  }

  /**
   * Starts the gateway and returns once it listens.
   *
   * @param distribution the unpacked distribution (the directory holding {@code bin/})
   * @param config the TOML file to run
   * @param javaOpts the gateway JVM's options, e.g. {@code -Xmx64m}
   * @param log where the gateway's output goes
   */
  static GatewayProcess start(Path distribution, Path config, String javaOpts, Path log) throws Exception {
    Path launcher = distribution.resolve("bin/opizontas");
    if (!Files.isExecutable(launcher)) {
      throw new IllegalArgumentException(launcher + " is not executable: build the distribution first");
    }
    ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "run", "--config", config.toString())
        .redirectErrorStream(true);
    builder.environment().put("JAVA_OPTS", javaOpts);
    Process process = builder.start();
    CompletableFuture<int[]> port = new CompletableFuture<>();
    Thread pump = new Thread(() -> copyOutput(process, log, port), "gateway-output");
    pump.setDaemon(true);
    pump.start();
    try {
      return new GatewayProcess(process, port.get(30, TimeUnit.SECONDS), log);
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      process.destroyForcibly();
      throw new IllegalStateException("the gateway did not start; see " + log, e);
    }
  }

  /** Copies the gateway's output to the log file, and learns its port on the way. */
  private static void copyOutput(Process process, Path log, CompletableFuture<int[]> port) {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
      String line;
      while ((line = lines.readLine()) != null) {
        out.println(line);
        Matcher listening = LISTENING.matcher(line);
        if (!port.isDone() && listening.find()) {
          Matcher tls = TLS_LISTENING.matcher(line);
          port.complete(new int[] {Integer.parseInt(listening.group(1)), tls.find() ? Integer.parseInt(tls.group(1)) : -1});
        }
      }
      port.completeExceptionally(new IllegalStateException("the gateway exited with " + process.waitFor()));
    } catch (IOException | InterruptedException e) {
      port.completeExceptionally(e);
    }
  }

  int port() {
    return port;
  }

  /** The TLS listener's port; -1 without {@code [server.tls]}. */
  int tlsPort() {
    return tlsPort;
  }

  /** The gateway JVM's process id: the launcher execs java, so it is the launcher's. */
  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Where the gateway's output goes. */
  Path log() {
    return log;
  }

  /** Whether the gateway's output so far holds {@code text}, e.g. an error's name. */
  boolean logged(String text) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  /** SIGTERM (a graceful stop), then SIGKILL if it has not exited within ten seconds. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}

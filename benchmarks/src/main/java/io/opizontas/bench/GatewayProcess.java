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
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway under test, as users run it: the distribution's {@code bin/opizontas run --config
 * FILE} in a process of its own, with its JVM options in {@code JAVA_OPTS}. It binds port 0; the
 * port is read from its start-up log line. Its output goes to a log file. The same start-up
 * machinery starts the reference {@link RelayProcess}.
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
    ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "run", "--config", config.toString());
    builder.environment().put("JAVA_OPTS", javaOpts);
    Started started = start(builder, log, "the gateway", line -> {
      Matcher listening = LISTENING.matcher(line);
      if (!listening.find()) {
        return null;
      }
      Matcher tls = TLS_LISTENING.matcher(line);
      return new int[] {Integer.parseInt(listening.group(1)), tls.find() ? Integer.parseInt(tls.group(1)) : -1};
    });
    return new GatewayProcess(started.process(), started.ports(), log);
  }

  /** A process started by {@link #start(ProcessBuilder, Path, String, Function)}, and the ports it announced. */
  record Started(Process process, int[] ports) {}

  /**
   * Starts a process that announces where it listens on a line of its output, and returns once it
   * has. Its output (standard error too) goes to {@code log}.
   *
   * @param what the process, for the error if it does not start
   * @param announced the ports a line announces; null for any other line
   */
  static Started start(ProcessBuilder builder, Path log, String what, Function<String, int[]> announced)
      throws Exception {
    Process process = builder.redirectErrorStream(true).start();
    CompletableFuture<int[]> ports = new CompletableFuture<>();
    Thread pump = new Thread(() -> copyOutput(process, log, announced, ports), "process-output");
    pump.setDaemon(true);
    pump.start();
    try {
      return new Started(process, ports.get(30, TimeUnit.SECONDS));
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      process.destroyForcibly();
      throw new IllegalStateException(what + " did not start; see " + log, e);
    }
  }

  /** Copies a process's output to the log file, and learns its ports on the way. */
  private static void copyOutput(Process process, Path log, Function<String, int[]> announced,
      CompletableFuture<int[]> ports) {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
      String line;
      while ((line = lines.readLine()) != null) {
        out.println(line);
        if (!ports.isDone()) {
          int[] found = announced.apply(line);
          if (found != null) {
            ports.complete(found);
          }
        }
      }
      ports.completeExceptionally(new IllegalStateException("the process exited with " + process.waitFor()));
    } catch (IOException | InterruptedException e) {
      ports.completeExceptionally(e);
    }
  }

  /** SIGTERM (a graceful stop), then SIGKILL if it has not exited within ten seconds. */
  static void stop(Process process) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
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
    stop(process);
  }
}

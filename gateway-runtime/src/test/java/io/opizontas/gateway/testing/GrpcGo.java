package io.opizontas.gateway.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * grpc-go, on Go's own HTTP/2 implementation: another client stack, with its own ways with GOAWAY,
 * resets and deadlines. Builds {@code src/test/go/grpcgo_client.go} once per test run, in GOPATH
 * mode against Debian's {@code golang-google-grpc-dev} (no module download; .ci/run installs it with
 * {@code golang-go}), and runs it against {@link ByteService}.
 */
public final class GrpcGo {

  private static final Path GOPATH = Path.of("/usr/share/gocode");
  private static final Path MODULE = Path.of(System.getProperty("basedir", "."));
  private static final Path SOURCE = MODULE.resolve("src/test/go/grpcgo_client.go");
  private static final Path BUILT = MODULE.resolve("target/grpc-go");
  private static final String INSTALL = "apt-get install -y golang-go golang-google-grpc-dev";

  private static Path binary;

  private GrpcGo() {}

  /** Returns when grpc-go can be built; see {@link ScriptedClient#assume}. */
  public static void assumeAvailable() {
    ScriptedClient.assume("grpc-go", missing(), INSTALL);
  }

  /** Why grpc-go cannot be built, or null when it can. */
  private static String missing() {
    if (!Files.isDirectory(GOPATH.resolve("src/google.golang.org/grpc"))) {
      return "Debian's grpc-go sources are not under " + GOPATH;
    }
    return ScriptedClient.failureOf("go", "version");
  }

  /**
   * Starts the client against the gateway on 127.0.0.1:{@code port}: {@code commands} are pairs such
   * as {@code "slow", "3000"}, {@code "load", "3"} or {@code "cancel", "200"} (see the source).
   */
  public static ScriptedClient start(int port, String... commands) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(built().toString(), Integer.toString(port)));
    command.addAll(List.of(commands));
    return ScriptedClient.start("grpc-go", command, null);
  }

  /** The client's binary, built on first use; a build that fails fails the test with Go's output. */
  private static synchronized Path built() throws IOException, InterruptedException {
    if (binary != null) {
      return binary;
    }
    Files.createDirectories(BUILT);
    Path target = BUILT.resolve("grpcgo_client");
    Path log = BUILT.resolve("build.log");
    ProcessBuilder build = new ProcessBuilder("go", "build", "-o", target.toString(), SOURCE.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    build.environment().put("GO111MODULE", "off");
    build.environment().put("GOPATH", GOPATH.toString());
    build.environment().put("GOCACHE", BUILT.resolve("cache").toString());
    Process process = build.start();
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("building the grpc-go client took over 5 minutes");
    }
    if (process.exitValue() != 0) {
      throw new AssertionError("building the grpc-go client failed:\n" + Files.readString(log));
    }
    binary = target;
    return binary;
  }
}

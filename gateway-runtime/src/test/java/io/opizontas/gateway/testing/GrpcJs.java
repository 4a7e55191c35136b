package io.opizontas.gateway.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * grpc-js, the gRPC stack of Node.js, on Node's own HTTP/2 implementation: a third client stack,
 * with its own ways with GOAWAY, resets and deadlines. Runs {@code node} from the path on the script
 * {@code src/test/node/grpcjs_client.js} against {@link ByteService}, with the {@code @grpc/grpc-js}
 * that {@code npm ci} installed next to it (.ci/run does; the version is pinned in
 * {@code package-lock.json}).
 */
public final class GrpcJs {

  /** The module's test sources: surefire runs tests with the module directory as {@code basedir}. */
  private static final Path DIRECTORY = Path.of(System.getProperty("basedir", "."), "src", "test", "node");
  private static final String INSTALL = "npm ci --prefix gateway-runtime/src/test/node";

  private GrpcJs() {}

  /** Returns when grpc-js can run; see {@link ScriptedClient#assume}. */
  public static void assumeAvailable() {
    ScriptedClient.assume("grpc-js", missing(), INSTALL);
  }

  /** Why grpc-js cannot run, or null when it can. */
  private static String missing() {
    if (!Files.isRegularFile(DIRECTORY.resolve("node_modules/@grpc/grpc-js/package.json"))) {
      return "@grpc/grpc-js is not installed under " + DIRECTORY.toAbsolutePath();
    }
    return ScriptedClient.failureOf("node", "--version");
  }

  /**
   * Starts the client script against the gateway on 127.0.0.1:{@code port}: {@code commands} are
   * pairs such as {@code "slow", "3000"}, {@code "load", "3"} or {@code "cancel", "200"} (see the
   * script).
   */
  public static ScriptedClient start(int port, String... commands) throws IOException {
    List<String> command = new ArrayList<>(List.of("node", "grpcjs_client.js", Integer.toString(port)));
    command.addAll(List.of(commands));
    return ScriptedClient.start("grpc-js", command, DIRECTORY);
  }
}

package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.server.Gateway;
import java.nio.file.Files;
import java.nio.file.Path;

/** A real gateway on a free loopback port with the packaged balancers jar in its plugins directory. */
final class GatewayWithBalancers {

  private GatewayWithBalancers() {}

  /**
   * Starts it with registration off (tests feed endpoints straight into the endpoint table, as a
   * registry would) and {@code balancing} appended to the configuration.
   */
  static Gateway start(Path dir, String balancing) throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(Path.of(System.getProperty("plugin.jar")), plugins.resolve("balancers.jar"));
    Path toml = dir.resolve("gateway.toml");
    Files.writeString(toml, """
        [admin]
        listen = "off"

        [server]
        listen = "127.0.0.1:0"

        [plugins]
        directory = "%s"

        [registration]
        enabled = false

        """.formatted(plugins) + balancing);
    return Gateway.start(GatewayConfigReader.read(toml));
  }
}

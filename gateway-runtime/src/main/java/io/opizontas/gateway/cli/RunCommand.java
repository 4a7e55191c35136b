package io.opizontas.gateway.cli;

import io.opizontas.gateway.config.ConfigException;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.config.PluginsConfig;
import io.opizontas.gateway.plugin.PluginLoadException;
import io.opizontas.gateway.server.Gateway;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code opizontas run}: starts the gateway and serves until the process is told to stop; then it
 * drains in-flight calls (up to {@code server.drain_timeout}) before exiting.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Starts the gateway and serves until stopped (SIGTERM or Ctrl-C drain in-flight calls first).",
      "Without --config it runs the embedded default: listening on 0.0.0.0:50051, every setting at its default."
    })
final class RunCommand implements Callable<Integer> {

  /** Set by bin/opizontas to the distribution's directory. */
  static final String HOME_PROPERTY = "opizontas.home";

  @Spec private CommandSpec spec;

  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      description = "The TOML configuration file (conf/gateway.toml in the distribution documents every key).")
  private Path config;

  @Override
  public Integer call() throws Exception {
    GatewayConfig gatewayConfig;
    try {
      gatewayConfig = underHome(configuration(), System.getProperty(HOME_PROPERTY));
    } catch (ConfigException e) {
      spec.commandLine().getErr().println(e.getMessage());
      return 1;
    }
    // Before the start, so that a signal during it is not lost: the drain then follows the start.
    StopSignals signals = StopSignals.install();
    Gateway gateway;
    try {
      gateway = Gateway.start(gatewayConfig);
    } catch (IOException e) {
      // Mostly "address already in use": the one line says it all.
      spec.commandLine().getErr().println("opizontas: cannot start: " + e);
      return 1;
    } catch (PluginLoadException e) {
      // A plugin or registry that cannot start: the message names it and where it was configured.
      spec.commandLine().getErr().println("opizontas: cannot start: " + e.getMessage());
      return 1;
    }
    // Any other way the JVM is told to end (SIGHUP, say) still drains first, in a shutdown hook.
    Thread hook = new Thread(gateway::close, "opizontas-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    signals.await();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The JVM is ending for another reason and the hook is draining; close() waits for it.
    }
    gateway.close();
    return 0;
  }

  /** The file given with --config or, without one, the embedded default. */
  private GatewayConfig configuration() {
    return config == null ? GatewayConfig.defaults() : GatewayConfigReader.read(config);
  }

  /**
   * Resolves a relative plugins directory against the gateway's home when it has one, so that
   * {@code bin/opizontas} finds the distribution's {@code plugins/} from any working directory.
   */
  static GatewayConfig underHome(GatewayConfig config, String home) {
    if (home == null || config.plugins().directory().isAbsolute()) {
      return config;
    }
    return config.withPlugins(new PluginsConfig(Path.of(home).resolve(config.plugins().directory())));
  }
}

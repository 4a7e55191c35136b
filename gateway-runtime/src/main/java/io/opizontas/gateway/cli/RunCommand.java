package io.opizontas.gateway.cli;

import io.opizontas.gateway.config.ConfigException;
import io.opizontas.gateway.admin.AdminServer;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.config.PluginsConfig;
import io.opizontas.gateway.plugin.PluginLoadException;
import io.opizontas.gateway.server.ConfigReload;
import io.opizontas.gateway.server.ConfigWatch;
import io.opizontas.gateway.server.Gateway;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
      "SIGHUP re-reads the --config file and applies it without dropping a call.",
      "Without --config it runs the embedded default: listening on 127.0.0.1:50051 (this machine only),",
      "every setting at its default. To listen on all interfaces, set [server] listen = \"0.0.0.0:50051\" in a --config file."
    })
final class RunCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  /** Set by bin/opizontas to the distribution's directory. */
  static final String HOME_PROPERTY = PluginsConfig.HOME_PROPERTY;

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
    warnIfBuiltInsAreLeftOut(gatewayConfig, System.getProperty(HOME_PROPERTY));
    // Before the start, so that a signal during it is not lost: the drain then follows the start.
    StopSignals signals = StopSignals.install();
    Gateway gateway;
    try {
      gateway = Gateway.start(gatewayConfig);
    } catch (ConfigException e) {
      // A plugin refused one of its settings: file:line: key, like any other bad setting.
      spec.commandLine().getErr().println(e.getMessage());
      return 1;
    } catch (IOException e) {
      spec.commandLine().getErr().println("opizontas: cannot start: " + listenFailure(gatewayConfig, e));
      return 1;
    } catch (PluginLoadException e) {
      // A plugin or registry that cannot start: the message names it and where it was configured.
      spec.commandLine().getErr().println("opizontas: cannot start: " + e.getMessage());
      return 1;
    }
    ConfigWatch watch = reloads(gateway, gatewayConfig, signals);
    // Any other way the JVM is told to end (SIGQUIT aside) still drains first, in a shutdown hook.
    Thread hook = new Thread(gateway::close, "opizontas-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    signals.await();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The JVM is ending for another reason and the hook is draining; close() waits for it.
    }
    if (watch != null) {
      watch.close();
    }
    gateway.close();
    return 0;
  }

  /**
   * SIGHUP re-reads the --config file, and so does a change of it when {@code [reload] watch} is on;
   * returns the watch, or null. The embedded default has no file to re-read.
   */
  private ConfigWatch reloads(Gateway gateway, GatewayConfig started, StopSignals signals) {
    if (config == null) {
      signals.onHangUp(() -> LOG.warn("Nothing to reload: the gateway runs the embedded default (no --config)"));
      return null;
    }
    String home = System.getProperty(HOME_PROPERTY);
    ConfigReload reload = new ConfigReload(gateway, config, read -> underHome(read, home));
    signals.onHangUp(reload::reload);
    return started.reload().watch() ? ConfigWatch.start(reload, started.reload().watchInterval()) : null;
  }

  /**
   * Why the listener could not open, in the user's terms: the address and the setting that chose
   * it. Jetty wraps the JDK's BindException ("Address already in use") in an IOException that names
   * neither the setting nor, in words, the reason.
   */
  static String listenFailure(GatewayConfig config, IOException e) {
    if (e instanceof AdminServer.BindFailure admin) {
      return admin.getMessage();
    }
    String where = hostPort(config.server().listen()) + " (server.listen)";
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException bind) {
        String reason = String.valueOf(bind.getMessage());
        return reason.toLowerCase(Locale.ROOT).contains("in use")
            ? where + " is already in use; stop what listens there or choose another address"
            : where + " cannot be listened on: " + reason;
      }
    }
    return where + ": " + e;
  }

  private static String hostPort(InetSocketAddress address) {
    String host = address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  /**
   * Says, before anything loads, that a {@code [plugins] directory} other than the distribution's
   * leaves the built-in plugins out: one directory is loaded, never two, so that which jar provides
   * an id is never in doubt. Without a home (not run by bin/opizontas) there are no built-ins to miss.
   */
  static void warnIfBuiltInsAreLeftOut(GatewayConfig config, String home) {
    if (home == null) {
      return;
    }
    Path builtIns = Path.of(home).resolve(PluginsConfig.defaults().directory()).toAbsolutePath().normalize();
    Path chosen = config.plugins().directory().toAbsolutePath().normalize();
    if (chosen.equals(builtIns) || !Files.isDirectory(builtIns)) {
      return;
    }
    List<String> jars;
    try (Stream<Path> files = Files.list(builtIns)) {
      jars = files.map(f -> f.getFileName().toString()).filter(name -> name.endsWith(".jar")).sorted().toList();
    } catch (IOException e) {
      return;
    }
    if (!jars.isEmpty()) {
      LOG.warn("[plugins] directory is {}, so the built-in plugins in {} are NOT loaded ({});"
          + " copy the jars you use into {}", chosen, builtIns, String.join(", ", jars), chosen);
    }
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

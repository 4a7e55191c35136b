package io.opizontas.gateway.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code opizontas} command line: {@code opizontas run [--config FILE]}, {@code opizontas demo
 * --token TOKEN} (or {@code --tls DIR}), {@code opizontas certs --out DIR}, {@code --help}, {@code
 * --version}. Exit codes: 0 normal, 1 bad configuration or failed start, 2 bad usage.
 */
@Command(
    name = "opizontas",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "A plugin-based, streaming gRPC gateway.",
    subcommands = {RunCommand.class, DemoCommand.class, CertsCommand.class, CommandLine.HelpCommand.class})
public final class OpizontasCommand implements Runnable {

  @Spec private CommandSpec spec;

  /** Runs the command line and exits the JVM with its exit code. */
  public static void main(String[] args) {
    // grpc-java and the JDK log through java.util.logging; send it all to SLF4J (Logback).
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    System.exit(commandLine().execute(args));
  }

  /** The command line, ready to {@link CommandLine#execute execute}; tests redirect its out and err. */
  static CommandLine commandLine() {
    return new CommandLine(new OpizontasCommand());
  }

  /** Without a subcommand there is nothing to do: that is a usage error. */
  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }
}

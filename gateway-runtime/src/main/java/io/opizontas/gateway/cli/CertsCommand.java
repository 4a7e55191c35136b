package io.opizontas.gateway.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code opizontas certs --out DIR}: a development CA and certificates for trying TLS and mutual TLS
 * on both legs in minutes (see README, "TLS in five minutes"): one for the gateway (its listener,
 * and its client certificate towards backends), one for a client (which the demo also registers
 * with), and one for a backend.
 */
@Command(
    name = "certs",
    mixinStandardHelpOptions = true,
    description = {
      "Makes a development CA and certificates for the gateway, a client and a backend, as PEM files:",
      "ca.crt, gateway.crt/.key, client.crt/.key, backend.crt/.key (and ca.key). For local use only."
    })
final class CertsCommand implements Callable<Integer> {

  /** The client's identity, which the README's [[registration.certificates]] example names. */
  static final String CLIENT_IDENTITY = "spiffe://opizontas.dev/client";

  @Spec private CommandSpec spec;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the files (made if missing).")
  private Path out;

  @Option(names = "--host", paramLabel = "NAME", description = {
      "Another name or address of the gateway and the backend (repeatable);",
      "localhost, 127.0.0.1 and ::1 are always included."})
  private List<String> hosts = new ArrayList<>();

  @Option(names = "--days", defaultValue = "30", paramLabel = "DAYS", description = "Validity (default: ${DEFAULT-VALUE}).")
  private int days;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    if (days < 1) {
      stderr.println("opizontas certs: --days must be at least 1");
      return 2;
    }
    Files.createDirectories(out);
    List<String> local = new ArrayList<>(List.of("localhost", "127.0.0.1", "::1"));
    local.addAll(hosts);
    try {
      DevelopmentCa ca = DevelopmentCa.create("Opizontas development CA", Duration.ofDays(days));
      write("ca.crt", DevelopmentCa.pem(ca.certificate()), false);
      write("ca.key", ca.keyPem(), true);
      issue(ca, "gateway", local);
      issue(ca, "client", List.of(CLIENT_IDENTITY, "client.opizontas.dev"));
      issue(ca, "backend", local);
    } catch (FileAlreadyExistsException e) {
      stderr.println("opizontas certs: " + e.getFile() + " exists already; choose another --out or remove the files");
      return 1;
    }
    stdout.printf("Wrote a development CA and certificates to %s (valid %d days; for local use only):%n", out, days);
    stdout.printf("  ca.crt               the authority every side trusts%n");
    stdout.printf("  gateway.crt/.key     the gateway: its TLS listener, and its client certificate to backends%n");
    stdout.printf("  client.crt/.key      a client, identity %s%n", CLIENT_IDENTITY);
    stdout.printf("  backend.crt/.key     a backend%n");
    stdout.printf("Names of the gateway and backend certificates: %s%n", String.join(", ", local));
    return 0;
  }

  private void issue(DevelopmentCa ca, String name, List<String> names) throws Exception {
    DevelopmentCa.Issued issued = ca.issue(name, names);
    write(name + ".crt", issued.chainPem(), false);
    write(name + ".key", issued.keyPem(), true);
  }

  /**
   * Writes a new file. Keys are created readable by their owner only (where the file system has
   * POSIX permissions), before a byte is written.
   */
  private void write(String name, String text, boolean secret) throws IOException {
    Path file = out.resolve(name);
    if (secret && file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } else {
      Files.createFile(file);
    }
    Files.writeString(file, text, StandardOpenOption.WRITE);
  }
}

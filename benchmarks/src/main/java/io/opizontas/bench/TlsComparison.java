package io.opizontas.bench;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;

/**
 * Issue 10: what TLS on both legs costs. Mutual TLS everywhere, with certificates the distribution's
 * {@code opizontas certs} makes: a grpc-java (Netty) backend that requires a client certificate, and
 * a second gateway process whose {@code [server.tls]} listener requires one too ({@code client_auth =
 * "require"}) and whose {@code [upstream.tls]} presents its own to the backend. Direct is the same
 * client over TLS straight to the backend. Unary (the unary scenario's load), an upload and a download
 * ({@code --tls-stream-bytes}) and new connections (a full handshake and a first HTTP/2 exchange each)
 * are measured in rounds alternating direct and gateway; the plaintext ratios of this run's unary,
 * upload and download scenarios are set beside the TLS ones.
 */
final class TlsComparison {

  private static final int MAX_MESSAGE = 64 << 20;

  private final Options options;
  private final Report report;
  private final Function<int[], String> gatewayToml;
  private final Path self = Path.of("/proc", Long.toString(ProcessHandle.current().pid()));
  private ProcessWatch gatewayWatch;
  private Report.Table cpuTable;

  TlsComparison(Options options, Report report, Function<int[], String> gatewayToml) {
    this.options = options;
    this.report = report;
    this.gatewayToml = gatewayToml;
  }

  void run() throws Exception {
    System.out.println("tls: mutual TLS on both legs, direct vs through a TLS gateway");
    Path certs = certificates();
    Server backend = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), TlsServerCredentials.newBuilder()
            .keyManager(certs.resolve("backend.crt").toFile(), certs.resolve("backend.key").toFile())
            .trustManager(certs.resolve("ca.crt").toFile())
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
            .build())
        .directExecutor()
        .maxInboundMessageSize(MAX_MESSAGE)
        .addService(BenchService.definition())
        .build()
        .start();
    try {
      Path config = options.output().resolve("gateway-tls.toml");
      Files.writeString(config, gatewayToml.apply(new int[] {backend.getPort()}) + tlsTables(certs));
      try (GatewayProcess gateway = GatewayProcess.start(options.distribution(), config.toAbsolutePath(),
          options.gatewayJavaOpts(), options.output().resolve("gateway-tls.log"))) {
        gatewayWatch = new ProcessWatch(gateway.pid());
        ChannelCredentials credentials = TlsChannelCredentials.newBuilder()
            .keyManager(certs.resolve("client.crt").toFile(), certs.resolve("client.key").toFile())
            .trustManager(certs.resolve("ca.crt").toFile())
            .build();
        ManagedChannel direct = channel(backend.getPort(), credentials);
        ManagedChannel viaGateway = channel(gateway.tlsPort(), credentials);
        try {
          unary(direct, viaGateway);
          streams(direct, viaGateway);
          handshakes(Handshakes.clientContext(certs), backend.getPort(), gateway.tlsPort());
          plaintextBeside();
        } finally {
          direct.shutdownNow();
          viaGateway.shutdownNow();
          gatewayWatch.close();
        }
      }
    } finally {
      backend.shutdownNow();
    }
  }

  /** A fresh set from the distribution's {@code certs} command (it refuses to overwrite files). */
  private Path certificates() throws Exception {
    Path certs = options.output().resolve("tls-certs");
    if (Files.exists(certs)) {
      try (Stream<Path> old = Files.walk(certs)) {
        for (Path path : old.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(path);
        }
      }
    }
    Process process = new ProcessBuilder(options.distribution().resolve("bin/opizontas").toString(), "certs",
        "--out", certs.toString())
        .redirectErrorStream(true)
        .redirectOutput(options.output().resolve("tls-certs.log").toFile())
        .start();
    if (process.waitFor() != 0) {
      throw new IllegalStateException("opizontas certs failed; see " + options.output().resolve("tls-certs.log"));
    }
    return certs.toAbsolutePath();
  }

  private static String tlsTables(Path certs) {
    String material = String.format(Locale.ROOT, "cert = \"%s\"\nkey = \"%s\"\nca = \"%s\"\n",
        file(certs, "gateway.crt"), file(certs, "gateway.key"), file(certs, "ca.crt"));
    return "\n[server.tls]\nlisten = \"127.0.0.1:0\"\nprovider = \"pem-files\"\nclient_auth = \"require\"\n" + material
        + "\n[upstream.tls]\nprovider = \"pem-files\"\nrequire = true\n" + material;
  }

  private static String file(Path dir, String name) {
    return dir.resolve(name).toString().replace("\\", "\\\\");
  }

  private static ManagedChannel channel(int port, ChannelCredentials credentials) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port, credentials)
        .directExecutor()
        .maxInboundMessageSize(MAX_MESSAGE)
        .build();
  }

  private void unary(ManagedChannel direct, ManagedChannel viaGateway) throws Exception {
    String name = "tls: " + GatewayBenchmark.unaryName(options.unarySize(), options.unaryConcurrency());
    System.out.println(name);
    report.warmedUp(name, "direct", "calls/s",
        UnaryLoad.warmUp(direct, options.unaryConcurrency(), options.unarySize(), options.unaryWarming()));
    report.warmedUp(name, "gateway", "calls/s",
        UnaryLoad.warmUp(viaGateway, options.unaryConcurrency(), options.unarySize(), options.unaryWarming()));
    Rounds<UnaryLoad.Result> rounds = rounds(direct, viaGateway, channel -> UnaryLoad.run(channel,
        options.unaryConcurrency(), options.unarySize(), options.unaryDuration()));
    report.compare(name, "calls/s", rounds.direct(UnaryLoad.Result::qps), rounds.gateway(UnaryLoad.Result::qps), Double.NaN);
    report.compare(name, "p50 µs", rounds.direct(UnaryLoad.Result::p50Micros),
        rounds.gateway(UnaryLoad.Result::p50Micros), Double.NaN);
    report.compare(name, "p99 µs", rounds.direct(UnaryLoad.Result::p99Micros),
        rounds.gateway(UnaryLoad.Result::p99Micros), Double.NaN);
    cpuPer(name, "call", rounds, result -> (double) result.calls());
    long errors = rounds.all().stream().mapToLong(run -> run.result().errors()).sum();
    if (errors > 0) {
      report.verdict(name + ": every call succeeds", errors + " failed", false);
    }
  }

  /**
   * Unmeasured 256 MiB transfers (or of the stream size, if smaller) each way on each path until
   * their rates are steady ({@link WarmUp}), then the rounds.
   */
  private void streams(ManagedChannel direct, ManagedChannel viaGateway) throws Exception {
    long bytes = options.tlsStreamBytes();
    Duration timeout = Duration.ofSeconds(30).plusMillis(bytes / 10_000);
    long warmUp = Math.min(bytes, 256L << 20);
    for (String kind : List.of("upload", "download")) {
      for (ManagedChannel channel : List.of(direct, viaGateway)) {
        WarmUp.Outcome outcome = options.streamWarming().untilSteady(() -> StreamTransfer.window(() -> kind.equals("upload")
            ? StreamTransfer.upload(channel, warmUp, options.messageSize(), timeout)
            : StreamTransfer.download(channel, warmUp, options.messageSize(), 0, timeout)));
        report.warmedUp("tls: " + GatewayBenchmark.streamName(kind, warmUp, options.messageSize()),
            channel == direct ? "direct" : "gateway", "MB/s", outcome);
      }
    }
    for (String kind : List.of("upload", "download")) {
      String name = "tls: " + GatewayBenchmark.streamName(kind, bytes, options.messageSize());
      System.out.println(name);
      Rounds<StreamTransfer.Result> rounds = rounds(direct, viaGateway, channel -> kind.equals("upload")
          ? StreamTransfer.upload(channel, bytes, options.messageSize(), timeout)
          : StreamTransfer.download(channel, bytes, options.messageSize(), 0, timeout));
      report.compare(name, "MB/s", rounds.direct(StreamTransfer.Result::megabytesPerSecond),
          rounds.gateway(StreamTransfer.Result::megabytesPerSecond), Double.NaN);
      cpuPer(name, "MiB", rounds, result -> result.bytes() / (double) (1 << 20));
    }
  }

  private void handshakes(SSLContext client, int backendPort, int gatewayPort) throws Exception {
    String name = String.format(Locale.ROOT, "tls: new connections (mutual TLS handshake, ALPN h2, first exchange), %d threads",
        options.handshakeConcurrency());
    System.out.println(name);
    for (int port : new int[] {backendPort, gatewayPort}) {
      Handshakes.run(client, port, options.handshakeConcurrency(), options.handshakeDuration());
    }
    List<Measured<Handshakes.Result>> direct = new ArrayList<>();
    List<Measured<Handshakes.Result>> gateway = new ArrayList<>();
    for (int round = 0; round < options.rounds(); round++) {
      direct.add(measure(() -> Handshakes.run(client, backendPort, options.handshakeConcurrency(), options.handshakeDuration())));
      gateway.add(measure(() -> Handshakes.run(client, gatewayPort, options.handshakeConcurrency(), options.handshakeDuration())));
    }
    Rounds<Handshakes.Result> rounds = new Rounds<>(direct, gateway);
    report.compare(name, "handshakes/s", rounds.direct(Handshakes.Result::perSecond),
        rounds.gateway(Handshakes.Result::perSecond), Double.NaN);
    cpuPer(name, "handshake", rounds, result -> (double) result.handshakes());
    long errors = rounds.all().stream().mapToLong(run -> run.result().errors()).sum();
    if (errors > 0) {
      report.verdict(name + ": every handshake succeeds", errors + " failed", false);
    }
  }

  /** The plaintext ratios of this run's unary, upload and download scenarios beside the TLS ones. */
  private void plaintextBeside() {
    Report.Table table = report.table("TLS against plaintext (issue 10): gateway / direct, each the median of its"
            + " rounds' ratios. Plaintext: this run's unary, upload and download scenarios (—: not run);"
            + " TLS: mutual TLS on both legs, the tls scenario.",
        "figure", "plaintext: gateway / direct", "TLS: gateway / direct");
    String unary = GatewayBenchmark.unaryName(options.unarySize(), options.unaryConcurrency());
    row(table, unary + ", calls/s", unary, "tls: " + unary, "calls/s");
    for (String kind : List.of("upload", "download")) {
      String plain = GatewayBenchmark.streamName(kind, options.streamBytes(), options.messageSize());
      String tls = GatewayBenchmark.streamName(kind, options.tlsStreamBytes(), options.messageSize());
      row(table, kind + " MB/s (plaintext " + GatewayBenchmark.bytes(options.streamBytes()) + ", TLS "
          + GatewayBenchmark.bytes(options.tlsStreamBytes()) + ")", plain, "tls: " + tls, "MB/s");
    }
  }

  private void row(Report.Table table, String figure, String plainScenario, String tlsScenario, String metric) {
    report.row(table, figure, ratio(report.ratio(plainScenario, metric)), ratio(report.ratio(tlsScenario, metric)));
  }

  private static String ratio(double ratio) {
    return Double.isNaN(ratio) ? "—" : String.format(Locale.ROOT, "%.2f", ratio);
  }

  /**
   * The gateway's CPU time per unit in each gateway round, and this JVM's (client and backend) per
   * unit on both paths, in the benchmark's CPU table format, as microseconds.
   */
  private <T> void cpuPer(String name, String unit, Rounds<T> rounds, Function<T, Double> units) {
    List<Double> gateway = new ArrayList<>();
    List<Double> benchViaGateway = new ArrayList<>();
    for (Measured<T> run : rounds.gateway()) {
      double count = units.apply(run.result());
      gateway.add(run.gatewayCpu() * 1e6 / count);
      benchViaGateway.add(run.benchCpu() * 1e6 / count);
    }
    List<Double> benchDirect = rounds.direct().stream()
        .map(run -> run.benchCpu() * 1e6 / units.apply(run.result()))
        .toList();
    Report.Table table = cpuTable();
    report.row(table, name, unit, Report.number(Report.median(gateway)),
        String.join(", ", gateway.stream().map(Report::number).toList()),
        Report.number(Report.median(benchDirect)), Report.number(Report.median(benchViaGateway)));
  }

  private Report.Table cpuTable() {
    if (cpuTable == null) {
      cpuTable = report.table("CPU time per unit of work with TLS on both legs, in µs: per round, the TLS gateway's"
              + " user + system CPU time over the round ÷ the units the round completed; medians of the rounds."
              + " Client + backend is this JVM (direct: TLS backend and client; via gateway: the same backend and"
              + " client, both ends of TLS too).",
          "scenario", "unit", "TLS gateway CPU per unit", "every round", "client + backend, direct",
          "client + backend, via gateway");
    }
    return cpuTable;
  }

  private interface Work<T> {
    T run(ManagedChannel channel) throws Exception;
  }

  private record Measured<T>(T result, double gatewayCpu, double benchCpu) {}

  /** Same-index entries are one round, direct first. */
  private record Rounds<T>(List<Measured<T>> direct, List<Measured<T>> gateway) {
    List<Double> direct(Function<T, Double> figure) {
      return direct.stream().map(m -> figure.apply(m.result())).toList();
    }

    List<Double> gateway(Function<T, Double> figure) {
      return gateway.stream().map(m -> figure.apply(m.result())).toList();
    }

    List<Measured<T>> all() {
      List<Measured<T>> all = new ArrayList<>(direct);
      all.addAll(gateway);
      return all;
    }
  }

  private <T> Rounds<T> rounds(ManagedChannel direct, ManagedChannel viaGateway, Work<T> work) throws Exception {
    List<Measured<T>> directRuns = new ArrayList<>();
    List<Measured<T>> gatewayRuns = new ArrayList<>();
    for (int round = 0; round < options.rounds(); round++) {
      directRuns.add(measure(() -> work.run(direct)));
      gatewayRuns.add(measure(() -> work.run(viaGateway)));
    }
    return new Rounds<>(directRuns, gatewayRuns);
  }

  private <T> Measured<T> measure(Callable<T> work) throws Exception {
    double gateway = gatewayWatch.cpuSeconds();
    double bench = ProcessWatch.cpuSeconds(self);
    T result = work.call();
    return new Measured<>(result, gatewayWatch.cpuSeconds() - gateway, ProcessWatch.cpuSeconds(self) - bench);
  }
}

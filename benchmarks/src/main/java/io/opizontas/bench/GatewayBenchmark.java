package io.opizontas.bench;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * The data-path benchmark: the same traffic direct (client → backend) and through the gateway
 * (client → gateway → backend), in one run, reported side by side as ratios. Absolute figures on
 * a shared machine are noise; the ratio of two runs made a moment apart is the measurement.
 *
 * <p>The gateway is the real distribution in its own process, started with {@code JAVA_OPTS} (by
 * default {@code -Xmx64m}); its RSS and CPU time are read from {@code /proc}. The client and the
 * backend are grpc-java (Netty) in this JVM, on loopback, exchanging raw byte messages. Every call
 * has a deadline, so a stuck scenario fails instead of hanging.
 *
 * <p>Run it with {@code benchmarks/run.sh}; {@link Options#USAGE} lists the parameters.
 */
public final class GatewayBenchmark {

  /** RSS growth above which a stream scenario counts as "memory grows with the stream". */
  private static final long FLAT_TOLERANCE_KIB = 8 * 1024;
  private static final int MAX_MESSAGE = 64 << 20;
  /** grpc-java logs through JUL; its INFO chatter stays out of the output (held: JUL keeps loggers weakly). */
  private static final java.util.logging.Logger GRPC_LOG = java.util.logging.Logger.getLogger("io.grpc");

  private final Options options;
  private final Report report = new Report();
  private final Path self = Path.of("/proc", Long.toString(ProcessHandle.current().pid()));
  private ProcessWatch gatewayWatch;
  private ManagedChannel direct;
  private ManagedChannel viaGateway;

  private GatewayBenchmark(Options options) {
    this.options = options;
  }

  public static void main(String[] args) throws Exception {
    GRPC_LOG.setLevel(java.util.logging.Level.WARNING);
    if (List.of(args).contains("--help")) {
      System.out.print(Options.USAGE);
      return;
    }
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    new GatewayBenchmark(options).run();
  }

  private void run() throws Exception {
    Files.createDirectories(options.output());
    Server backend = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .directExecutor()
        .maxInboundMessageSize(MAX_MESSAGE)
        .addService(BenchService.definition())
        .build()
        .start();
    Path config = options.output().resolve("gateway.toml");
    String toml = gatewayToml(backend.getPort());
    Files.writeString(config, toml);
    System.out.printf("Gateway: %s with JAVA_OPTS=\"%s\" and%n%s%n", options.distribution(), options.gatewayJavaOpts(), toml);
    Instant started = Instant.now();
    try (GatewayProcess gateway = GatewayProcess.start(options.distribution(), config.toAbsolutePath(),
        options.gatewayJavaOpts(), options.output().resolve("gateway.log"))) {
      Thread stopGateway = new Thread(() -> {
        try {
          gateway.close();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      Runtime.getRuntime().addShutdownHook(stopGateway);
      gatewayWatch = new ProcessWatch(gateway.pid());
      direct = channel(backend.getPort());
      viaGateway = channel(gateway.port());
      scenarios();
      direct.shutdownNow();
      viaGateway.shutdownNow();
      gatewayWatch.close();
    } finally {
      backend.shutdownNow();
    }
    String results = header(started) + report.markdown();
    Files.writeString(options.output().resolve("results.md"), results);
    System.out.println();
    System.out.println(results);
    System.out.println("Written to " + options.output().resolve("results.md"));
  }

  private void scenarios() throws Exception {
    if (options.runs("unary")) {
      unary();
    }
    if (options.runs("upload") || options.runs("download")) {
      warmUpStreams();
    }
    if (options.runs("upload")) {
      stream("upload", (channel, timeout) ->
          StreamTransfer.upload(channel, options.streamBytes(), options.messageSize(), timeout));
    }
    if (options.runs("download")) {
      stream("download", (channel, timeout) ->
          StreamTransfer.download(channel, options.streamBytes(), options.messageSize(), 0, timeout));
    }
    if (options.runs("slow")) {
      slowReader();
    }
  }

  private void unary() throws Exception {
    String name = String.format(Locale.ROOT, "unary %d B × %d in flight", options.unarySize(), options.unaryConcurrency());
    System.out.println(name);
    Measured<UnaryLoad.Result> d = measure(() -> UnaryLoad.run(direct, options.unaryConcurrency(), options.unarySize(),
        options.unaryWarmUp(), options.unaryDuration()));
    Measured<UnaryLoad.Result> g = measure(() -> UnaryLoad.run(viaGateway, options.unaryConcurrency(),
        options.unarySize(), options.unaryWarmUp(), options.unaryDuration()));
    report.compare(name, "calls/s", d.result().qps(), g.result().qps(), 0.5);
    report.compare(name, "p50 µs", d.result().p50Micros(), g.result().p50Micros(), Double.NaN);
    report.compare(name, "p99 µs", d.result().p99Micros(), g.result().p99Micros(), Double.NaN);
    report.resources(name, g.gateway(), d.benchCpu(), g.benchCpu());
    long errors = d.result().errors() + g.result().errors();
    if (errors > 0) {
      report.verdict("unary calls succeed", errors + " failed (direct " + d.result().errors() + ")", false);
    }
  }

  /** JIT-compiles both paths' streaming code before anything is timed. */
  private void warmUpStreams() throws Exception {
    System.out.printf("stream warm-up: %s up and down, each way%n", bytes(options.streamWarmUpBytes()));
    Duration timeout = streamTimeout(options.streamWarmUpBytes());
    for (ManagedChannel channel : List.of(direct, viaGateway)) {
      StreamTransfer.upload(channel, options.streamWarmUpBytes(), options.messageSize(), timeout);
      StreamTransfer.download(channel, options.streamWarmUpBytes(), options.messageSize(), 0, timeout);
    }
  }

  private interface Transfer {
    StreamTransfer.Result run(ManagedChannel channel, Duration timeout) throws Exception;
  }

  private void stream(String kind, Transfer transfer) throws Exception {
    String name = String.format(Locale.ROOT, "%s %s in %s messages", kind, bytes(options.streamBytes()),
        bytes(options.messageSize()));
    System.out.println(name);
    Duration timeout = streamTimeout(options.streamBytes());
    Measured<StreamTransfer.Result> d = measure(() -> transfer.run(direct, timeout));
    Measured<StreamTransfer.Result> g;
    try {
      g = measure(() -> transfer.run(viaGateway, timeout));
    } catch (Exception failure) {
      report.verdict(name + " passes through the gateway (" + options.gatewayJavaOpts() + ")", failure.toString(), false);
      return;
    }
    report.compare(name, "MB/s", d.result().megabytesPerSecond(), g.result().megabytesPerSecond(), 0.7);
    report.resources(name, g.gateway(), d.benchCpu(), g.benchCpu());
    report.verdict(name + " passes through the gateway (" + options.gatewayJavaOpts() + ")",
        bytes(g.result().bytes()) + " in " + String.format(Locale.ROOT, "%.1f s", g.result().seconds()), true);
    flat(name, g.gateway());
    writeSeries(kind, g.gateway());
  }

  private void slowReader() throws Exception {
    String name = String.format(Locale.ROOT, "slow reader %s at %.0f MB/s", bytes(options.slowBytes()),
        options.slowBytesPerSecond() / 1e6);
    System.out.println(name);
    Duration timeout = Duration.ofSeconds(30)
        .plusMillis(2 * options.slowBytes() * 1000 / options.slowBytesPerSecond());
    Measured<StreamTransfer.Result> d = measure(() -> StreamTransfer.download(direct, options.slowBytes(),
        options.messageSize(), options.slowBytesPerSecond(), timeout));
    Measured<StreamTransfer.Result> g = measure(() -> StreamTransfer.download(viaGateway, options.slowBytes(),
        options.messageSize(), options.slowBytesPerSecond(), timeout));
    report.compare(name, "MB/s", d.result().megabytesPerSecond(), g.result().megabytesPerSecond(), Double.NaN);
    report.resources(name, g.gateway(), d.benchCpu(), g.benchCpu());
    flat(name, g.gateway());
    writeSeries("slow", g.gateway());
  }

  /** The gateway's memory must not grow with the stream: its RSS peaks in both halves are compared. */
  private void flat(String name, ProcessWatch.Usage usage) {
    long first = usage.maxKiB(0, 0.5);
    long second = usage.maxKiB(0.5, 1);
    report.verdict("gateway RSS flat during " + name,
        "peak " + Report.mib(first) + " in the first half, " + Report.mib(second) + " in the second",
        second - first <= FLAT_TOLERANCE_KIB);
  }

  private void writeSeries(String kind, ProcessWatch.Usage usage) throws IOException {
    String csv = "sample_100ms,rss_kib\n" + String.join("\n",
        java.util.stream.IntStream.range(0, usage.rssKiB().size())
            .mapToObj(i -> i + "," + usage.rssKiB().get(i)).toList()) + "\n";
    Files.writeString(options.output().resolve("rss-" + kind + ".csv"), csv);
  }

  private static Duration streamTimeout(long bytes) {
    // No slower than 10 MB/s, plus start-up: far beyond any healthy run, short of forever.
    return Duration.ofSeconds(30).plusMillis(bytes / 10_000);
  }

  private record Measured<T>(T result, ProcessWatch.Usage gateway, double benchCpu) {}

  private <T> Measured<T> measure(Callable<T> work) throws Exception {
    ProcessWatch.Window window = gatewayWatch.begin();
    double cpu = ProcessWatch.cpuSeconds(self);
    T result = work.call();
    return new Measured<>(result, window.end(), ProcessWatch.cpuSeconds(self) - cpu);
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .usePlaintext()
        .directExecutor()
        .maxInboundMessageSize(MAX_MESSAGE)
        .build();
  }

  /** The gateway's configuration: loopback, port 0, a static route to the backend, plus --gateway-set. */
  private String gatewayToml(int backendPort) {
    Map<String, StringBuilder> sections = new LinkedHashMap<>();
    sections.computeIfAbsent("server", s -> new StringBuilder())
        .append("listen = \"127.0.0.1:0\"\ndrain_timeout = \"1s\"\n");
    for (String setting : options.gatewaySettings()) {
      int dot = setting.indexOf('.');
      int equals = setting.indexOf('=');
      if (dot < 0 || equals < dot) {
        throw new IllegalArgumentException("--gateway-set wants SECTION.KEY=VALUE, got '" + setting + "'");
      }
      String value = setting.substring(equals + 1);
      sections.computeIfAbsent(setting.substring(0, dot), s -> new StringBuilder())
          .append(setting, dot + 1, equals).append(" = ")
          .append(value.matches("-?\\d+|true|false|\".*\"") ? value : "\"" + value + "\"").append('\n');
    }
    String tables = sections.entrySet().stream()
        .map(e -> "[" + e.getKey() + "]\n" + e.getValue())
        .collect(Collectors.joining("\n"));
    return tables + "\n[[registries]]\nplugin = \"static\"\nservices.\"" + BenchService.SERVICE
        + "\" = [\"127.0.0.1:" + backendPort + "\"]\n";
  }

  private String header(Instant started) throws IOException {
    return String.format(Locale.ROOT, """
        Run %s, %d s; %d CPUs (%s), Java %s (%s).
        Gateway JAVA_OPTS="%s"; settings: %s.
        Unary: %d B, %d in flight, %s warm-up then %s measured. Streams: %s messages, %s warm-up each way.

        """,
        started, Duration.between(started, Instant.now()).toSeconds(), Runtime.getRuntime().availableProcessors(),
        cpuModel(), System.getProperty("java.version"), System.getProperty("java.vm.name"),
        options.gatewayJavaOpts(), options.gatewaySettings().isEmpty() ? "defaults" : String.join(", ", options.gatewaySettings()),
        options.unarySize(), options.unaryConcurrency(), options.unaryWarmUp().toSeconds() + " s",
        options.unaryDuration().toSeconds() + " s", bytes(options.messageSize()), bytes(options.streamWarmUpBytes()));
  }

  private static String cpuModel() throws IOException {
    return Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8).stream()
        .filter(line -> line.startsWith("model name"))
        .map(line -> line.substring(line.indexOf(':') + 1).trim())
        .findFirst().orElse("unknown CPU");
  }

  static String bytes(long bytes) {
    if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
      return (bytes >> 30) + " GiB";
    }
    if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
      return (bytes >> 20) + " MiB";
    }
    if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) {
      return (bytes >> 10) + " KiB";
    }
    return bytes + " B";
  }

}

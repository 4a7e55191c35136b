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
import java.util.ArrayList;
import java.util.Arrays;
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
 * has a deadline, so a stuck scenario fails instead of hanging. With {@code --paths=...,relay,...} a
 * third path runs through a plain TCP relay ({@link ByteRelay}) in a process of its own: the floor
 * of any user-space proxy on the machine.
 *
 * <p>Each path is warmed up before a scenario's rounds until its rate is steady ({@link WarmUp}).
 *
 * <p>Run it with {@code benchmarks/run.sh}; {@link Options#USAGE} lists the parameters.
 */
public final class GatewayBenchmark {

  /** No-op filters in the chain scenario's second gateway. */
  private static final int FILTERS = 5;

  /** RSS growth above which a stream scenario counts as "memory grows with the stream". */
  private static final long FLAT_TOLERANCE_KIB = 8 * 1024;
  private static final int MAX_MESSAGE = 64 << 20;
  /** Issue 11's targets for one call in flight: what the gateway may add to direct's latency. */
  private static final double ADDED_P50_MICROS = 100;
  private static final double ADDED_P99_MICROS = 1000;
  /** grpc-java logs through JUL; its INFO chatter stays out of the output (held: JUL keeps loggers weakly). */
  private static final java.util.logging.Logger GRPC_LOG = java.util.logging.Logger.getLogger("io.grpc");

  private final Options options;
  private final Report report = new Report();
  private final Path self = Path.of("/proc", Long.toString(ProcessHandle.current().pid()));
  private ProcessWatch gatewayWatch;
  private ProcessWatch relayWatch;
  private ManagedChannel direct;
  private ManagedChannel viaRelay;
  private ManagedChannel viaGateway;
  /** The JIT threads of each main path's JVMs, which its warm-ups wait on. */
  private final Compilers directCompilers = Compilers.of();
  private Compilers relayCompilers;
  private Compilers gatewayCompilers;
  private Report.Table cpuTable;
  private Report.Table floorTable;

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
    Server backend = backend();
    Path config = options.output().resolve("gateway.toml");
    String toml = gatewayToml(backend.getPort());
    Files.writeString(config, toml);
    System.out.printf("Gateway: %s with JAVA_OPTS=\"%s\" and%n%s%n", options.distribution(), options.gatewayJavaOpts(), toml);
    Instant started = Instant.now();
    try (GatewayProcess gateway = GatewayProcess.start(options.distribution(), config.toAbsolutePath(),
            options.gatewayJavaOpts(), options.output().resolve("gateway.log"));
        RelayProcess relay = options.relay()
            ? RelayProcess.start(backend.getPort(), options.gatewayJavaOpts(), options.output().resolve("relay.log"))
            : null) {
      Thread stopProxies = new Thread(() -> {
        try {
          gateway.close();
          if (relay != null) {
            relay.close();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      Runtime.getRuntime().addShutdownHook(stopProxies);
      gatewayWatch = new ProcessWatch(gateway.pid());
      gatewayCompilers = Compilers.of(gateway.pid());
      direct = channel(backend.getPort());
      viaGateway = channel(gateway.port());
      if (relay != null) {
        relayWatch = new ProcessWatch(relay.pid());
        relayCompilers = Compilers.of(relay.pid());
        viaRelay = channel(relay.port());
      }
      scenarios();
      if (options.runs("chain") && options.gateway()) {
        chain(backend.getPort());
      }
      if (options.runs("metrics") && options.gateway()) {
        metrics(backend.getPort());
      }
      if (options.runs("accesslog") && options.gateway()) {
        accessLog(backend.getPort());
      }
      if (options.runs("balancing") && options.gateway()) {
        balancing(backend.getPort());
      }
      if (options.runs("tls") && options.gateway() && options.direct()) {
        new TlsComparison(options, report, this::gatewayToml).run();
      }
      if (options.runs("scaling") && options.gateway()) {
        new Scaling(options, report, this::gatewayToml).run(backend.getPort());
      }
      direct.shutdownNow();
      viaGateway.shutdownNow();
      gatewayWatch.close();
      if (relay != null) {
        viaRelay.shutdownNow();
        relayWatch.close();
      }
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
      unary(options.unaryConcurrency());
    }
    if (options.runs("unary1")) {
      unary(1);
    }
    if (options.runs("pingpong")) {
      pingPong();
    }
    if (options.runs("upload") || options.runs("download")) {
      warmUpStreams();
    }
    if (options.runs("upload")) {
      stream("upload", channel -> StreamTransfer.upload(channel, options.streamBytes(), options.messageSize(),
          streamTimeout(options.streamBytes())));
    }
    if (options.runs("download")) {
      stream("download", channel -> StreamTransfer.download(channel, options.streamBytes(), options.messageSize(), 0,
          streamTimeout(options.streamBytes())));
    }
    if (options.runs("slow")) {
      slowReader();
    }
  }

  /**
   * The cost of the call-filter chain: unary calls through this run's gateway (empty chain) against
   * a second gateway whose chain holds five filters that do nothing (header-rewrite without rules:
   * real plugins, loaded from the distribution, that see every request, response and trailers).
   */
  private void chain(int backendPort) throws Exception {
    versusEmptyChain(backendPort, "five no-op filters", "chain",
        "\n[[chain]]\nplugin = \"header-rewrite\"\n".repeat(FILTERS), "", 0.95);
  }

  /**
   * Issue 12: what the access log costs. A second gateway whose chain is the access-log plugin,
   * logging every call (sample 1) through Logback's AsyncAppender to a file, as the README
   * configures it.
   */
  private void accessLog(int backendPort) throws Exception {
    Path logback = options.output().resolve("logback-access.xml");
    Files.writeString(logback, """
        <configuration>
          <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>%d %-5level [%thread] %logger{24} - %msg%n</pattern></encoder>
          </appender>
          <appender name="ACCESS_FILE" class="ch.qos.logback.core.FileAppender">
            <file>${ACCESS_LOG}</file>
            <encoder><pattern>%msg%n</pattern></encoder>
          </appender>
          <appender name="ACCESS" class="ch.qos.logback.classic.AsyncAppender">
            <queueSize>8192</queueSize>
            <discardingThreshold>0</discardingThreshold>
            <neverBlock>true</neverBlock>
            <appender-ref ref="ACCESS_FILE"/>
          </appender>
          <logger name="opizontas.access" level="INFO" additivity="false">
            <appender-ref ref="ACCESS"/>
          </logger>
          <logger name="org.eclipse.jetty" level="WARN"/>
          <logger name="org.pf4j" level="WARN"/>
          <root level="INFO"><appender-ref ref="CONSOLE"/></root>
        </configuration>
        """);
    String javaOpts = " -Dlogback.configurationFile=" + logback.toAbsolutePath()
        + " -DACCESS_LOG=" + options.output().resolve("access.log").toAbsolutePath();
    versusEmptyChain(backendPort, "the access log", "accesslog", "\n[[chain]]\nplugin = \"access-log\"\n", javaOpts,
        Double.NaN);
  }

  /**
   * Unary calls through this run's gateway (empty chain) against a second gateway process with
   * {@code chainToml} added to its configuration (see {@link #alternate}); the "direct" column of
   * the report is the empty chain.
   *
   * @param moreJavaOpts appended to the second gateway's JAVA_OPTS
   * @param threshold    the right/left ratio below which the report flags the run; NaN for none
   */
  private void versusEmptyChain(int backendPort, String what, String file, String chainToml, String moreJavaOpts,
      double threshold) throws Exception {
    String name = String.format(Locale.ROOT, "%s: unary %d B, %d in flight, empty chain (left) vs %s (right)",
        file, options.unarySize(), options.unaryConcurrency(), what);
    System.out.println(name);
    Path config = options.output().resolve("gateway-" + file + ".toml");
    Files.writeString(config, gatewayToml(backendPort) + chainToml);
    try (GatewayProcess filtered = GatewayProcess.start(options.distribution(), config.toAbsolutePath(),
        options.gatewayJavaOpts() + moreJavaOpts, options.output().resolve("gateway-" + file + ".log"))) {
      ManagedChannel viaChain = channel(filtered.port());
      try {
        alternate(name, new Route("empty chain", viaGateway, gatewayCompilers),
            new Route(what, viaChain, Compilers.of(filtered.pid())), threshold);
      } finally {
        viaChain.shutdownNow();
      }
    }
  }

  /**
   * Issue 12: what counting metrics costs a unary call. A second gateway process runs without the
   * admin listener, so it counts nothing; this run's gateway (admin listener on a free port) counts
   * every call. The rounds alternate between the two; the "direct" column of the report is the
   * gateway without metrics. Nobody scrapes meanwhile: the cost measured is the data path's.
   */
  private void metrics(int backendPort) throws Exception {
    String name = String.format(Locale.ROOT,
        "metrics: unary %d B, %d in flight, metrics off (left) vs on (right)",
        options.unarySize(), options.unaryConcurrency());
    System.out.println(name);
    String on = gatewayToml(backendPort);
    String off = on.replace("[admin]\nlisten = \"127.0.0.1:0\"\n", "[admin]\nlisten = \"off\"\n");
    if (off.equals(on)) {
      throw new IllegalArgumentException("metrics: --gateway-set placed admin.listen; the scenario sets it itself");
    }
    Path config = options.output().resolve("gateway-no-metrics.toml");
    Files.writeString(config, off);
    try (GatewayProcess uncounted = GatewayProcess.start(options.distribution(), config.toAbsolutePath(),
        options.gatewayJavaOpts(), options.output().resolve("gateway-no-metrics.log"))) {
      ManagedChannel withoutMetrics = channel(uncounted.port());
      try {
        alternate(name, new Route("metrics off", withoutMetrics, Compilers.of(uncounted.pid())),
            new Route("metrics on", viaGateway, gatewayCompilers), 0.95);
      } finally {
        withoutMetrics.shutdownNow();
      }
    }
  }

  /**
   * Unary calls on {@code left} and {@code right} after a warm-up of each, rounds alternating
   * between the two, reported as right against left.
   *
   * @param threshold the right/left ratio below which the report flags the run; NaN for none
   */
  private void alternate(String name, Route left, Route right, double threshold) throws Exception {
    List<Double> leftQps = new ArrayList<>();
    List<Double> rightQps = new ArrayList<>();
    warmUpUnary(name, List.of(left, right));
    for (int round = 0; round < options.rounds(); round++) {
      leftQps.add(UnaryLoad.run(left.channel(), options.unaryConcurrency(), options.unarySize(),
          options.unaryDuration()).qps());
      rightQps.add(UnaryLoad.run(right.channel(), options.unaryConcurrency(), options.unarySize(),
          options.unaryDuration()).qps());
    }
    report.compare(name, "calls/s", leftQps, rightQps, threshold);
  }

  /**
   * Issue 8: what balancing costs a unary call. This run's gateway (one backend, the default
   * round-robin) against two more gateway processes routing to three backends, one with
   * round-robin and one with least-request, rounds alternating with direct calls. Each is reported
   * against direct, and the three-backend ones against the one-backend gateway as well. The two
   * extra backends live in this JVM like the first, so three backends add no capacity: the
   * comparison isolates the gateway's own cost of spreading calls.
   */
  private void balancing(int backendPort) throws Exception {
    String unary = String.format(Locale.ROOT, "unary %d B, %d in flight", options.unarySize(), options.unaryConcurrency());
    System.out.println("balancing: " + unary + ", 1 backend vs 3 (round-robin, least-request)");
    List<Server> more = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        more.add(backend());
      }
      int[] three = {backendPort, more.get(0).getPort(), more.get(1).getPort()};
      try (GatewayProcess roundRobin = balancingGateway("round-robin", three);
          GatewayProcess leastRequest = balancingGateway("least-request", three)) {
        ManagedChannel viaRoundRobin = channel(roundRobin.port());
        ManagedChannel viaLeastRequest = channel(leastRequest.port());
        try {
          List<Route> paths = new ArrayList<>();
          if (options.direct()) {
            paths.add(new Route("direct", direct, directCompilers));
          }
          paths.addAll(List.of(new Route("gateway, 1 backend", viaGateway, gatewayCompilers),
              new Route("3 backends, round-robin", viaRoundRobin, Compilers.of(roundRobin.pid())),
              new Route("3 backends, least-request", viaLeastRequest, Compilers.of(leastRequest.pid()))));
          warmUpUnary("balancing: " + unary, paths);
          Map<ManagedChannel, List<Double>> qps = new LinkedHashMap<>();
          for (int round = 0; round < options.rounds(); round++) {
            for (Route path : paths) {
              qps.computeIfAbsent(path.channel(), c -> new ArrayList<>()).add(UnaryLoad.run(path.channel(),
                  options.unaryConcurrency(), options.unarySize(), options.unaryDuration()).qps());
            }
          }
          List<Double> one = qps.get(viaGateway);
          List<Double> roundRobinQps = qps.get(viaRoundRobin);
          List<Double> leastRequestQps = qps.get(viaLeastRequest);
          if (options.direct()) {
            List<Double> direct = qps.get(this.direct);
            report.compare("balancing: " + unary + ", 1 backend, round-robin", "calls/s", direct, one, Double.NaN);
            report.compare("balancing: " + unary + ", 3 backends, round-robin", "calls/s", direct, roundRobinQps, Double.NaN);
            report.compare("balancing: " + unary + ", 3 backends, least-request", "calls/s", direct, leastRequestQps, Double.NaN);
          }
          report.compare("balancing: " + unary + ", 1 backend (left) vs 3 backends round-robin (right)", "calls/s",
              one, roundRobinQps, 0.97);
          report.compare("balancing: " + unary + ", 1 backend round-robin (left) vs 3 backends least-request (right)",
              "calls/s", one, leastRequestQps, 0.97);
        } finally {
          viaRoundRobin.shutdownNow();
          viaLeastRequest.shutdownNow();
        }
      }
    } finally {
      more.forEach(Server::shutdownNow);
    }
  }

  /** A second gateway process, routing to {@code backendPorts} with {@code strategy} as the default. */
  private GatewayProcess balancingGateway(String strategy, int... backendPorts) throws Exception {
    Path config = options.output().resolve("gateway-3-" + strategy + ".toml");
    Files.writeString(config, gatewayToml(backendPorts) + "\n[balancing]\ndefault = \"" + strategy + "\"\n");
    return GatewayProcess.start(options.distribution(), config.toAbsolutePath(), options.gatewayJavaOpts(),
        options.output().resolve("gateway-3-" + strategy + ".log"));
  }

  /** Work measured on one path (a channel, direct or to the gateway). */
  private interface Work<T> {
    T run(ManagedChannel channel) throws Exception;
  }

  /** A path calls take: its name in the output and the channel that takes it. */
  /** A path calls take: its name in the report, its channel, and the JIT threads its warm-ups wait on. */
  private record Route(String name, ManagedChannel channel, Compilers compilers) {}

  /**
   * The runs of one scenario: same-index entries are one round, run in the order direct, relay,
   * gateway (each list empty when its path is not chosen).
   */
  private record Rounds<T>(List<Measured<T>> direct, List<Measured<T>> relay, List<Measured<T>> gateway) {
    List<Double> direct(java.util.function.Function<T, Double> figure) {
      return figures(direct, figure);
    }

    List<Double> relay(java.util.function.Function<T, Double> figure) {
      return figures(relay, figure);
    }

    List<Double> gateway(java.util.function.Function<T, Double> figure) {
      return figures(gateway, figure);
    }

    private static <T> List<Double> figures(List<Measured<T>> runs, java.util.function.Function<T, Double> figure) {
      return runs.stream().map(m -> figure.apply(m.result())).toList();
    }

    /** The gateway run with the highest RSS peak, and the direct run of its round. */
    int worstGatewayRound() {
      int worst = 0;
      for (int i = 1; i < gateway.size(); i++) {
        if (gateway.get(i).proxy().maxKiB() > gateway.get(worst).proxy().maxKiB()) {
          worst = i;
        }
      }
      return worst;
    }

    double directBenchCpu(int round) {
      return round < direct.size() ? direct.get(round).benchCpu() : Double.NaN;
    }

    List<Measured<T>> all() {
      List<Measured<T>> all = new ArrayList<>(direct);
      all.addAll(relay);
      all.addAll(gateway);
      return all;
    }
  }

  /**
   * Runs {@code work} {@code rounds} times on each chosen path, alternating direct, the relay (unless
   * {@code withRelay} is false) and the gateway.
   */
  private <T> Rounds<T> rounds(int rounds, boolean withRelay, Work<T> work) throws Exception {
    List<Measured<T>> direct = new ArrayList<>();
    List<Measured<T>> relay = new ArrayList<>();
    List<Measured<T>> gateway = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      if (options.direct()) {
        // The gateway's watch on a direct run: its idle cost, as before the relay existed.
        direct.add(measure(gatewayWatch, () -> work.run(this.direct)));
      }
      if (withRelay && options.relay()) {
        relay.add(measure(relayWatch, () -> work.run(viaRelay)));
      }
      if (options.gateway()) {
        gateway.add(measure(gatewayWatch, () -> work.run(viaGateway)));
      }
    }
    return new Rounds<>(direct, relay, gateway);
  }

  /** The chosen paths of the scenarios the relay takes part in, in the order of a round. */
  private List<Route> paths() {
    List<Route> paths = new ArrayList<>();
    if (options.direct()) {
      paths.add(new Route("direct", direct, directCompilers));
    }
    if (options.relay()) {
      paths.add(new Route("relay", viaRelay, relayCompilers));
    }
    if (options.gateway()) {
      paths.add(new Route("gateway", viaGateway, gatewayCompilers));
    }
    return paths;
  }

  /** Unary load at --unary-concurrency on each path until its rate is steady, recorded in the report. */
  private void warmUpUnary(String scenario, List<Route> paths) throws Exception {
    for (Route path : paths) {
      report.warmedUp(scenario, path.name(), "calls/s", UnaryLoad.warmUp(path.channel(), options.unaryConcurrency(),
          options.unarySize(), options.unaryWarming().watching(path.compilers())));
    }
  }

  /**
   * Issue 11: the scenario's figure on the three paths side by side, for what a plain relay costs
   * against what the gateway costs: rates compared as ratios, latencies (µs) as what one path adds to
   * the other. Nothing without the relay path.
   */
  private <T> void floor(String name, String metric, Rounds<T> rounds, java.util.function.Function<T, Double> figure) {
    if (rounds.relay().isEmpty()) {
      return;
    }
    if (floorTable == null) {
      floorTable = report.table("A floor (issue 11): a plain TCP byte relay (ByteRelay: no HTTP/2 parsing, 64 KiB"
              + " direct buffers, two blocking threads per connection, its own JVM with the gateway's JAVA_OPTS) in the"
              + " path, beside direct and the gateway. Medians of the rounds; a rate's comparison is the median of the"
              + " rounds' ratios, a latency's the median of the rounds' differences (µs added).",
          "scenario", "figure", "direct", "relay", "gateway", "relay vs direct", "gateway vs direct", "gateway vs relay");
    }
    List<Double> direct = rounds.direct(figure);
    List<Double> relay = rounds.relay(figure);
    List<Double> gateway = rounds.gateway(figure);
    boolean latency = metric.endsWith("µs");
    java.util.function.BiFunction<List<Double>, List<Double>, String> versus = (below, above) -> {
      double value = latency ? Report.added(below, above) : Report.ratio(below, above);
      return Double.isNaN(value) ? "—" : latency ? String.format(Locale.ROOT, "%+.0f µs", value)
          : String.format(Locale.ROOT, "%.2f", value);
    };
    report.row(floorTable, name, metric, Report.number(Report.median(direct)), Report.number(Report.median(relay)),
        Report.number(Report.median(gateway)), versus.apply(direct, relay), versus.apply(direct, gateway),
        versus.apply(relay, gateway));
  }

  private void unary(int concurrency) throws Exception {
    String name = unaryName(options.unarySize(), concurrency);
    System.out.println(name);
    // The warm-up runs at --unary-concurrency even for one in flight: the JITs then see as many calls
    // as in the unary scenario, and their compile time stays out of the measured CPU per call. After
    // the unary scenario, the same processes have just run that warm-up and more.
    if (concurrency == options.unaryConcurrency() || !options.runs("unary")) {
      warmUpUnary(name, paths());
    }
    Rounds<UnaryLoad.Result> rounds = rounds(options.rounds(), true, channel ->
        UnaryLoad.run(channel, concurrency, options.unarySize(), options.unaryDuration()));
    // Issue 11's targets: 0.80 of direct with many calls in flight; with one, the added latency below.
    report.compare(name, "calls/s", rounds.direct(UnaryLoad.Result::qps), rounds.gateway(UnaryLoad.Result::qps),
        concurrency == 1 ? Double.NaN : 0.8);
    report.compare(name, "p50 µs", rounds.direct(UnaryLoad.Result::p50Micros),
        rounds.gateway(UnaryLoad.Result::p50Micros), Double.NaN);
    report.compare(name, "p99 µs", rounds.direct(UnaryLoad.Result::p99Micros),
        rounds.gateway(UnaryLoad.Result::p99Micros), Double.NaN);
    if (concurrency == 1) {
      report.added(name, "p50 µs", rounds.direct(UnaryLoad.Result::p50Micros),
          rounds.gateway(UnaryLoad.Result::p50Micros), ADDED_P50_MICROS);
      report.added(name, "p99 µs", rounds.direct(UnaryLoad.Result::p99Micros),
          rounds.gateway(UnaryLoad.Result::p99Micros), ADDED_P99_MICROS);
    }
    floor(name, "calls/s", rounds, UnaryLoad.Result::qps);
    if (concurrency == 1) {
      floor(name, "p50 µs", rounds, UnaryLoad.Result::p50Micros);
      floor(name, "p99 µs", rounds, UnaryLoad.Result::p99Micros);
    }
    resources(name, rounds);
    cpuPer(name, "call", rounds, result -> (double) result.calls());
    long errors = 0;
    for (Measured<UnaryLoad.Result> run : rounds.all()) {
      errors += run.result().errors();
    }
    if (errors > 0) {
      report.verdict(name + ": every call succeeds", errors + " failed", false);
    }
  }

  /** Issue 11: bidi streams with one message in flight each, the latency-bound streaming case. */
  private void pingPong() throws Exception {
    String name = String.format(Locale.ROOT, "ping-pong %d B, %d streams, 1 message in flight each",
        options.unarySize(), options.pingPongStreams());
    System.out.println(name);
    for (Route path : paths()) {
      report.warmedUp(name, path.name(), "messages/s", PingPong.warmUp(path.channel(), options.pingPongStreams(),
          options.unarySize(), options.unaryWarming().watching(path.compilers())));
    }
    Rounds<PingPong.Result> rounds = rounds(options.rounds(), true, channel ->
        PingPong.run(channel, options.pingPongStreams(), options.unarySize(), options.unaryDuration()));
    report.compare(name, "messages/s", rounds.direct(PingPong.Result::messagesPerSecond),
        rounds.gateway(PingPong.Result::messagesPerSecond), 0.6);
    report.compare(name, "p50 µs", rounds.direct(PingPong.Result::p50Micros),
        rounds.gateway(PingPong.Result::p50Micros), Double.NaN);
    report.compare(name, "p99 µs", rounds.direct(PingPong.Result::p99Micros),
        rounds.gateway(PingPong.Result::p99Micros), Double.NaN);
    floor(name, "messages/s", rounds, PingPong.Result::messagesPerSecond);
    floor(name, "p50 µs", rounds, PingPong.Result::p50Micros);
    resources(name, rounds);
    cpuPer(name, "message", rounds, result -> (double) result.messages());
    long errors = 0;
    for (Measured<PingPong.Result> run : rounds.all()) {
      errors += run.result().errors();
    }
    if (errors > 0) {
      report.verdict(name + ": every stream succeeds", errors + " failed", false);
    }
  }

  /**
   * Issue 11: CPU time per unit of work (a call, a message, a MiB), a figure much less noisy than a
   * rate on a shared machine. Per round, the gateway process's CPU time over the round divided by the
   * units the round completed; the median of the rounds. The relay's likewise, when it runs. The
   * benchmark JVM's own CPU per unit (client and backend) is given for every path, for scale.
   */
  private <T> void cpuPer(String name, String unit, Rounds<T> rounds, java.util.function.Function<T, Double> units) {
    if (rounds.gateway().isEmpty() && rounds.relay().isEmpty()) {
      return;
    }
    List<String> cells = new ArrayList<>(List.of(name, unit));
    cells.addAll(proxyCpu(rounds.gateway(), units));
    if (options.relay()) {
      cells.addAll(proxyCpu(rounds.relay(), units));
    }
    cells.add(Report.number(Report.median(benchCpu(rounds.direct(), units))));
    if (options.relay()) {
      cells.add(Report.number(Report.median(benchCpu(rounds.relay(), units))));
    }
    cells.add(Report.number(Report.median(benchCpu(rounds.gateway(), units))));
    report.row(cpuTable(), cells.toArray(String[]::new));
  }

  /** A proxy's CPU per unit: the median of its rounds, and every round. */
  private static <T> List<String> proxyCpu(List<Measured<T>> runs, java.util.function.Function<T, Double> units) {
    List<Double> perUnit = runs.stream().map(run -> run.proxy().cpuSeconds() * 1e6 / units.apply(run.result())).toList();
    return List.of(Report.number(Report.median(perUnit)), String.join(", ", perUnit.stream().map(Report::number).toList()));
  }

  /** This JVM's (client and backend) CPU per unit in each of {@code runs}. */
  private static <T> List<Double> benchCpu(List<Measured<T>> runs, java.util.function.Function<T, Double> units) {
    return runs.stream().map(run -> run.benchCpu() * 1e6 / units.apply(run.result())).toList();
  }

  private Report.Table cpuTable() {
    if (cpuTable == null) {
      List<String> header = new ArrayList<>(List.of("scenario", "unit", "gateway CPU per unit", "every round"));
      if (options.relay()) {
        header.addAll(List.of("relay CPU per unit", "every round"));
      }
      header.add("client + backend, direct");
      if (options.relay()) {
        header.add("client + backend, via relay");
      }
      header.add("client + backend, via gateway");
      cpuTable = report.table("CPU time per unit of work (issue 11), in µs: per round, the process's user + system CPU"
              + " time (/proc/PID/stat, 10 ms ticks) over the round ÷ the units the round completed; medians of the"
              + " rounds. Client + backend is this JVM, for scale.", header.toArray(String[]::new));
    }
    return cpuTable;
  }

  /**
   * Lets every process's JIT compile the streaming paths before anything is timed: on each path,
   * back-to-back 256 MiB uploads until their rate is steady, then downloads likewise.
   */
  private void warmUpStreams() throws Exception {
    long bytes = 256L << 20;
    Duration timeout = streamTimeout(bytes);
    for (Route path : paths()) {
      for (String kind : List.of("upload", "download")) {
        WarmUp.Outcome outcome = options.streamWarming().watching(path.compilers()).untilSteady(() -> StreamTransfer.window(() -> kind.equals("upload")
            ? StreamTransfer.upload(path.channel(), bytes, options.messageSize(), timeout)
            : StreamTransfer.download(path.channel(), bytes, options.messageSize(), 0, timeout)));
        report.warmedUp(streamName(kind, bytes, options.messageSize()), path.name(), "MB/s", outcome);
      }
    }
  }

  private void stream(String kind, Work<StreamTransfer.Result> transfer) throws Exception {
    String name = streamName(kind, options.streamBytes(), options.messageSize());
    String passes = name + " passes through the gateway (" + options.gatewayJavaOpts() + ")";
    System.out.println(name);
    Rounds<StreamTransfer.Result> rounds;
    try {
      rounds = rounds(options.rounds(), true, transfer);
    } catch (Exception failure) {
      report.verdict(passes, failure.toString(), false);
      return;
    }
    report.compare(name, "MB/s", rounds.direct(StreamTransfer.Result::megabytesPerSecond),
        rounds.gateway(StreamTransfer.Result::megabytesPerSecond), 0.85);
    floor(name, "MB/s", rounds, StreamTransfer.Result::megabytesPerSecond);
    cpuPer(name, "MiB", rounds, result -> result.bytes() / (double) (1 << 20));
    if (!rounds.gateway().isEmpty()) {
      resources(name, rounds);
      report.verdict(passes, rounds.gateway().size() + " × " + bytes(options.streamBytes()) + ", every byte counted", true);
      flat(name, rounds);
      writeSeries(kind, rounds.gateway().get(rounds.worstGatewayRound()).proxy());
    }
  }

  private void slowReader() throws Exception {
    String name = String.format(Locale.ROOT, "slow reader %s at %.0f MB/s", bytes(options.slowBytes()),
        options.slowBytesPerSecond() / 1e6);
    System.out.println(name);
    Duration timeout = Duration.ofSeconds(30)
        .plusMillis(2 * options.slowBytes() * 1000 / options.slowBytesPerSecond());
    // One round: the reader's pace, not the machine, sets the figures.
    Rounds<StreamTransfer.Result> rounds = rounds(1, false, channel ->
        StreamTransfer.download(channel, options.slowBytes(), options.messageSize(), options.slowBytesPerSecond(), timeout));
    report.compare(name, "MB/s", rounds.direct(StreamTransfer.Result::megabytesPerSecond),
        rounds.gateway(StreamTransfer.Result::megabytesPerSecond), Double.NaN);
    if (!rounds.gateway().isEmpty()) {
      resources(name, rounds);
      flat(name, rounds);
      writeSeries("slow", rounds.gateway().get(0).proxy());
    }
  }

  private void resources(String name, Rounds<?> rounds) {
    if (rounds.gateway().isEmpty()) {
      return;
    }
    int worst = rounds.worstGatewayRound();
    Measured<?> run = rounds.gateway().get(worst);
    report.resources(name, run.proxy(), rounds.directBenchCpu(worst), run.benchCpu());
  }

  /**
   * The gateway's memory must not grow with the stream: in each gateway run, the RSS peak of the
   * second half may not exceed the first half's by more than a tolerance (the worst run is judged).
   */
  private void flat(String name, Rounds<?> rounds) {
    long worstGrowth = Long.MIN_VALUE;
    String figure = "";
    for (Measured<?> run : rounds.gateway()) {
      long first = run.proxy().maxKiB(0, 0.5);
      long second = run.proxy().maxKiB(0.5, 1);
      if (second - first > worstGrowth) {
        worstGrowth = second - first;
        figure = "peak " + Report.mib(first) + " in the first half, " + Report.mib(second) + " in the second";
      }
    }
    report.verdict("gateway RSS flat during " + name + " (growth ≤ " + Report.mib(FLAT_TOLERANCE_KIB) + ")", figure,
        worstGrowth <= FLAT_TOLERANCE_KIB);
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

  /**
   * One run of a scenario.
   *
   * @param proxy what the watched proxy process used meanwhile: the relay on the relay path, the
   *     gateway otherwise (idle on the direct path)
   * @param benchCpu this JVM's (client and backend) CPU seconds meanwhile
   */
  private record Measured<T>(T result, ProcessWatch.Usage proxy, double benchCpu) {}

  private <T> Measured<T> measure(ProcessWatch proxy, Callable<T> work) throws Exception {
    ProcessWatch.Window window = proxy.begin();
    double cpu = ProcessWatch.cpuSeconds(self);
    T result = work.call();
    return new Measured<>(result, window.end(), ProcessWatch.cpuSeconds(self) - cpu);
  }

  private static Server backend() throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .directExecutor()
        .maxInboundMessageSize(MAX_MESSAGE)
        .addService(BenchService.definition())
        .build()
        .start();
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .usePlaintext()
        .directExecutor()
        .maxInboundMessageSize(MAX_MESSAGE)
        .build();
  }

  /** The gateway's configuration: loopback, port 0 (admin too), a static route to the backends, plus --gateway-set. */
  private String gatewayToml(int... backendPorts) {
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
    // Several gateways run at once: each admin listener takes a free port unless --gateway-set says otherwise.
    StringBuilder admin = sections.computeIfAbsent("admin", s -> new StringBuilder());
    if (!admin.toString().contains("listen =")) {
      admin.append("listen = \"127.0.0.1:0\"\n");
    }
    String tables = sections.entrySet().stream()
        .map(e -> "[" + e.getKey() + "]\n" + e.getValue())
        .collect(Collectors.joining("\n"));
    String addresses = Arrays.stream(backendPorts)
        .mapToObj(port -> "\"127.0.0.1:" + port + "\"")
        .collect(Collectors.joining(", "));
    return tables + "\n[[registries]]\nplugin = \"static\"\nservices.\"" + BenchService.SERVICE
        + "\" = [" + addresses + "]\n";
  }

  private String header(Instant started) throws IOException {
    return String.format(Locale.ROOT, """
        Run %s, %d s; %d CPUs (%s), Java %s (%s).
        Gateway JAVA_OPTS="%s"; settings: %s.
        %d rounds, paths %s. Unary: %d B, %d in flight, warm-up per path until steady (at least %s, at most %s), then %s
        per round; ping-pong: %d streams, same times. Streams: %s messages, warm-up each way on each path until steady
        (at least %s, at most %s).%s

        """,
        started, Duration.between(started, Instant.now()).toSeconds(), Runtime.getRuntime().availableProcessors(),
        cpuModel(), System.getProperty("java.version"), System.getProperty("java.vm.name"),
        options.gatewayJavaOpts(), options.gatewaySettings().isEmpty() ? "defaults" : String.join(", ", options.gatewaySettings()),
        options.rounds(), paths().stream().map(Route::name).collect(Collectors.joining(", ")), options.unarySize(),
        options.unaryConcurrency(), seconds(options.unaryWarmUp()), seconds(options.warmUpMax()),
        seconds(options.unaryDuration()), options.pingPongStreams(), bytes(options.messageSize()),
        seconds(options.streamWarmUp()), seconds(options.warmUpMax()), !options.runs("tls") ? "" : String.format(Locale.ROOT,
            "%nTLS: mutual TLS on both legs; streams of %s; new connections on %d threads, %s ms per round.",
            bytes(options.tlsStreamBytes()), options.handshakeConcurrency(), options.handshakeDuration().toMillis()));
  }

  private static String seconds(Duration duration) {
    return duration.toSeconds() + " s";
  }

  /** The unary scenarios' name in the report (the tls scenario looks their ratios up by it). */
  static String unaryName(int size, int concurrency) {
    return String.format(Locale.ROOT, "unary %d B, %d in flight", size, concurrency);
  }

  /** The upload and download scenarios' name in the report. */
  static String streamName(String kind, long bytes, int messageSize) {
    return String.format(Locale.ROOT, "%s %s in %s messages", kind, bytes(bytes), bytes(messageSize));
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

package io.opizontas.bench;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Issue 11's scaling curve: how the gateway's cost grows with work. Three parts, each with gateway
 * processes of its own so that every step starts from the same baseline:
 *
 * <ul>
 *   <li>idle client connections (HTTP/2 handshake done, then silence), grown step by step: RSS,
 *       open files, threads, CPU to accept them and CPU while they idle;
 *   <li>open bidi streams, idle after one echo each, over client connections of at most
 *       {@value #STREAMS_PER_CONNECTION} streams: the same figures, plus the time for one more
 *       message on every stream;
 *   <li>unary calls through gateways routing to 1, 10, 100 backend endpoints (one grpc-java server
 *       listening on that many ports), in rounds alternating with direct calls: calls/s and CPU
 *       per call.
 * </ul>
 *
 * A step that cannot run (this JVM's or the gateway's open-files limit is too low) or that fails is
 * reported as such in its row, and the curve stops there.
 */
final class Scaling {

  /** Below the gateway's default {@code server.max_concurrent_streams} of 1,024 per connection. */
  static final int STREAMS_PER_CONNECTION = 1000;
  /** Files a process holds besides the connections under test (jars, epoll, pipes, backend sockets). */
  private static final long FILES_MARGIN = 500;
  /** Pause after a step's set-up before its idle window, so accept and handshake work has ended. */
  private static final Duration SETTLE = Duration.ofSeconds(1);
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(120);
  /** Connections or streams opened and closed before the baseline, so that the JITs have seen the path. */
  private static final int WARM_UP = 200;

  private final Options options;
  private final Report report;
  private final Function<int[], String> gatewayToml;
  private final Path self = Path.of("/proc", Long.toString(ProcessHandle.current().pid()));

  /**
   * @param gatewayToml the run's gateway configuration for the given backend ports
   */
  Scaling(Options options, Report report, Function<int[], String> gatewayToml) {
    this.options = options;
    this.report = report;
    this.gatewayToml = gatewayToml;
  }

  void run(int backendPort) throws Exception {
    idleConnections(backendPort);
    openStreams(backendPort);
    endpoints();
  }

  /** The gateway's state at one moment. */
  private record Snapshot(long rssKiB, long openFiles, long threads, double cpuSeconds) {
    static Snapshot of(ProcessWatch watch) {
      return new Snapshot(watch.rssKiB(), watch.openFiles(), watch.threads(), watch.cpuSeconds());
    }
  }

  private void idleConnections(int backendPort) throws Exception {
    String title = "Scaling: idle client connections (HTTP/2 preface and SETTINGS exchanged, then nothing), one gateway,"
        + " grown step by step. Per connection: the growth since the previous step ÷ the connections added (RSS),"
        + " the gateway's CPU while they were opened ÷ their number; idle CPU over "
        + options.scalingHold().toSeconds() + " s after that.";
    System.out.println("scaling: idle connections " + options.scalingConnections());
    Report.Table table = report.table(title, "connections", "gateway RSS", "RSS per connection added",
        "gateway open files", "gateway threads", "gateway CPU per connection opened", "gateway CPU while idle");
    try (GatewayProcess gateway = start("idle", backendPort);
        ProcessWatch watch = new ProcessWatch(gateway.pid());
        IdleConnections idle = new IdleConnections(gateway.port())) {
      long filesLimit = filesLimit(watch);
      // Accepting a first batch compiles the gateway's accept path before anything is counted.
      try (IdleConnections warmUp = new IdleConnections(gateway.port())) {
        warmUp.growTo(WARM_UP);
      }
      Thread.sleep(SETTLE.toMillis());
      Snapshot previous = Snapshot.of(watch);
      report.row(table, "0", Report.mib(previous.rssKiB()), "", number(previous.openFiles()), number(previous.threads()),
          "", "");
      for (int count : options.scalingConnections()) {
        if (count + FILES_MARGIN > filesLimit) {
          report.row(table, number(count), notRun(filesLimit), "", "", "", "", "");
          break;
        }
        double before = watch.cpuSeconds();
        int added = count - idle.size();
        try {
          idle.growTo(count);
        } catch (Exception failure) {
          report.row(table, number(count), failed(failure, gateway), "", "", "", "", "");
          break;
        }
        double opening = watch.cpuSeconds() - before;
        double idleCpu = idleCpu(watch);
        Snapshot now = Snapshot.of(watch);
        report.row(table, number(count), Report.mib(now.rssKiB()), kib((now.rssKiB() - previous.rssKiB()) / (double) added),
            number(now.openFiles()), number(now.threads()), micros(opening * 1e6 / added), percent(idleCpu));
        previous = now;
      }
    }
  }

  private void openStreams(int backendPort) throws Exception {
    String title = "Scaling: open bidi streams (each proven open by one echo, then idle), one gateway, grown step by step,"
        + " each step's streams on client connections of their own, at most " + number(STREAMS_PER_CONNECTION)
        + " streams each. Per stream: as for connections; idle CPU over " + options.scalingHold().toSeconds()
        + " s, then one more message on every open stream.";
    System.out.println("scaling: open streams " + options.scalingStreams());
    Report.Table table = report.table(title, "streams", "client connections", "gateway RSS", "RSS per stream added",
        "gateway open files", "gateway threads", "gateway CPU per stream opened", "gateway CPU while idle",
        "one message on every stream");
    List<ManagedChannel> channels = new ArrayList<>();
    List<OpenStreams> batches = new ArrayList<>();
    Duration lifetime = options.scalingHold().plus(STEP_TIMEOUT).multipliedBy(options.scalingStreams().size() + 1);
    try (GatewayProcess gateway = start("streams", backendPort);
        ProcessWatch watch = new ProcessWatch(gateway.pid())) {
      try {
        // A first batch compiles the gateway's stream path before anything is counted.
        ManagedChannel warmUp = channel(gateway.port());
        try {
          OpenStreams.open(List.of(warmUp), WARM_UP, options.unarySize(), STEP_TIMEOUT, STEP_TIMEOUT).close();
        } finally {
          warmUp.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        Thread.sleep(SETTLE.toMillis());
        Snapshot previous = Snapshot.of(watch);
        report.row(table, "0", "0", Report.mib(previous.rssKiB()), "", number(previous.openFiles()),
            number(previous.threads()), "", "", "");
        int open = 0;
        for (int count : options.scalingStreams()) {
          int added = count - open;
          List<ManagedChannel> mine = new ArrayList<>();
          for (int i = 0; i < (added + STREAMS_PER_CONNECTION - 1) / STREAMS_PER_CONNECTION; i++) {
            mine.add(channel(gateway.port()));
          }
          channels.addAll(mine);
          try {
            double before = watch.cpuSeconds();
            batches.add(OpenStreams.open(mine, added, options.unarySize(), lifetime, STEP_TIMEOUT));
            open = count;
            double opening = watch.cpuSeconds() - before;
            double idleCpu = idleCpu(watch);
            Snapshot now = Snapshot.of(watch);
            long start = System.nanoTime();
            for (OpenStreams batch : batches) {
              batch.exchange();
            }
            double exchangeMillis = (System.nanoTime() - start) / 1e6;
            report.row(table, number(count), number(channels.size()), Report.mib(now.rssKiB()),
                kib((now.rssKiB() - previous.rssKiB()) / (double) added), number(now.openFiles()), number(now.threads()),
                micros(opening * 1e6 / added), percent(idleCpu), String.format(Locale.ROOT, "%.0f ms", exchangeMillis));
            previous = now;
          } catch (Exception failure) {
            report.row(table, number(count), number(channels.size()), failed(failure, gateway), "", "", "", "", "", "");
            break;
          }
        }
        for (OpenStreams batch : batches) {
          batch.close();
        }
      } finally {
        for (ManagedChannel channel : channels) {
          channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  /**
   * Unary calls (--unary-concurrency in flight) through one gateway per endpoint count, all routing
   * to the same grpc-java server listening on that many ports, in rounds with direct calls to it.
   */
  private void endpoints() throws Exception {
    List<Integer> counts = options.scalingEndpoints();
    int most = counts.get(counts.size() - 1);
    System.out.println("scaling: unary through gateways to " + counts + " endpoints");
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
    for (int i = 1; i < most; i++) {
      builder.addListenAddress(new InetSocketAddress("127.0.0.1", 0));
    }
    Server server = builder.directExecutor().addService(BenchService.definition()).build().start();
    List<GatewayProcess> gateways = new ArrayList<>();
    Map<Integer, ManagedChannel> channels = new LinkedHashMap<>();
    try {
      int[] ports = server.getListenSockets().stream().mapToInt(Scaling::port).toArray();
      ManagedChannel direct = channel(ports[0]);
      channels.put(0, direct);
      for (int count : counts) {
        GatewayProcess gateway = start(count + "-endpoints", java.util.Arrays.copyOf(ports, count));
        gateways.add(gateway);
        channels.put(count, channel(gateway.port()));
      }
      int concurrency = options.unaryConcurrency();
      int size = options.unarySize();
      for (Map.Entry<Integer, ManagedChannel> path : channels.entrySet()) {
        report.warmedUp("scaling: unary to N endpoints", path.getKey() == 0 ? "direct" : path.getKey() + " endpoints",
            "calls/s", UnaryLoad.warmUp(path.getValue(), concurrency, size, options.unaryWarming()));
      }
      Map<Integer, List<Double>> qps = new LinkedHashMap<>();
      Map<Integer, List<Double>> cpuPerCall = new LinkedHashMap<>();
      for (int round = 0; round < options.rounds(); round++) {
        int index = 0;
        for (Map.Entry<Integer, ManagedChannel> path : channels.entrySet()) {
          ProcessWatch watch = path.getKey() == 0 ? null : new ProcessWatch(gateways.get(index++).pid());
          double before = watch == null ? 0 : watch.cpuSeconds();
          UnaryLoad.Result result = UnaryLoad.run(path.getValue(), concurrency, size, options.unaryDuration());
          qps.computeIfAbsent(path.getKey(), k -> new ArrayList<>()).add(result.qps());
          if (watch != null) {
            cpuPerCall.computeIfAbsent(path.getKey(), k -> new ArrayList<>())
                .add((watch.cpuSeconds() - before) * 1e6 / result.calls());
            watch.close();
          }
          if (result.errors() > 0) {
            report.verdict("scaling: unary to " + path.getKey() + " endpoints, every call succeeds",
                result.errors() + " failed", false);
          }
        }
      }
      Report.Table table = report.table("Scaling: unary " + size + " B, " + concurrency
              + " in flight, through gateways routing to N endpoints (one grpc-java server on N ports, round-robin);"
              + " medians of the rounds, each round alternating direct and every gateway.",
          "endpoints", "direct calls/s", "via gateway calls/s", "gateway / direct", "gateway CPU per call", "every round, calls/s");
      for (int count : counts) {
        Report.Comparison comparison = new Report.Comparison("", "", qps.get(0), qps.get(count), Double.NaN);
        report.row(table, number(count), Report.number(comparison.directMedian()),
            Report.number(comparison.gatewayMedian()), String.format(Locale.ROOT, "%.2f", comparison.ratio()),
            micros(Report.median(cpuPerCall.get(count))),
            String.join(", ", qps.get(count).stream().map(Report::number).toList()));
      }
    } finally {
      for (ManagedChannel channel : channels.values()) {
        channel.shutdownNow();
      }
      for (GatewayProcess gateway : gateways) {
        gateway.close();
      }
      server.shutdownNow();
    }
  }

  private static int port(SocketAddress address) {
    return ((InetSocketAddress) address).getPort();
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().directExecutor().build();
  }

  private GatewayProcess start(String name, int... backendPorts) throws Exception {
    Path config = options.output().resolve("gateway-scaling-" + name + ".toml");
    Files.writeString(config, gatewayToml.apply(backendPorts));
    return GatewayProcess.start(options.distribution(), config.toAbsolutePath(), options.gatewayJavaOpts(),
        options.output().resolve("gateway-scaling-" + name + ".log"));
  }

  /** The lower of this JVM's and the gateway's open-files limits: each holds one file per connection. */
  private long filesLimit(ProcessWatch gateway) {
    long mine = ProcessWatch.openFilesLimit(self);
    long theirs = gateway.openFilesLimit();
    System.out.printf("  open-files limits: this JVM %d, the gateway %d%n", mine, theirs);
    return Math.min(mine < 0 ? Long.MAX_VALUE : mine, theirs < 0 ? Long.MAX_VALUE : theirs);
  }

  /** Waits for set-up work to end, then returns the gateway's CPU use over the hold, in cores. */
  private double idleCpu(ProcessWatch watch) throws InterruptedException {
    Thread.sleep(SETTLE.toMillis());
    double before = watch.cpuSeconds();
    Thread.sleep(options.scalingHold().toMillis());
    return (watch.cpuSeconds() - before) / options.scalingHold().toNanos() * 1e9;
  }

  private static String notRun(long filesLimit) {
    return "not run: open-files limit " + filesLimit + " (raise `ulimit -n`)";
  }

  private static String failed(Exception failure, GatewayProcess gateway) {
    // Jetty's and the gateway's threads die of an OutOfMemoryError without the process exiting, and
    // the client then only sees silence: the gateway's log says what happened.
    return "**failed**: " + failure + (gateway.alive() ? "" : "; the gateway exited")
        + (gateway.logged("OutOfMemoryError") ? "; the gateway logged OutOfMemoryError (" + gateway.log().getFileName() + ")" : "");
  }

  private static String number(long value) {
    return String.format(Locale.ROOT, "%,d", value);
  }

  private static String kib(double value) {
    return String.format(Locale.ROOT, "%.1f KiB", value);
  }

  private static String micros(double value) {
    return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.0f µs", value);
  }

  private static String percent(double cores) {
    return Double.isNaN(cores) ? "" : String.format(Locale.ROOT, "%.1f %% of a core", cores * 100);
  }
}

package io.opizontas.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The benchmark's parameters, from {@code --name=value} arguments; each has a default. */
record Options(
    Path distribution,
    Path output,
    String gatewayJavaOpts,
    List<String> gatewaySettings,
    Set<String> scenarios,
    Set<String> paths,
    int rounds,
    int unaryConcurrency,
    int unarySize,
    Duration unaryWarmUp,
    Duration unaryDuration,
    long streamBytes,
    Duration streamWarmUp,
    Duration warmUpMax,
    int messageSize,
    long slowBytes,
    long slowBytesPerSecond,
    int pingPongStreams,
    List<Integer> scalingConnections,
    List<Integer> scalingStreams,
    List<Integer> scalingEndpoints,
    Duration scalingHold,
    long tlsStreamBytes,
    Duration handshakeDuration,
    int handshakeConcurrency) {

  static final Set<String> ALL_SCENARIOS = Set.of("unary", "unary1", "pingpong", "upload", "download", "slow", "chain",
      "metrics", "accesslog", "balancing", "tls", "scaling");
  /** Every scenario but {@code scaling}, which takes minutes and is run on purpose. */
  static final String DEFAULT_SCENARIOS = "unary,unary1,pingpong,upload,download,slow,chain,metrics,accesslog,balancing,tls";
  static final Set<String> ALL_PATHS = Set.of("direct", "relay", "gateway");

  static final String USAGE = """
      GatewayBenchmark --distribution=DIR [--name=value ...]
        --distribution=DIR          the unpacked distribution (holds bin/opizontas)       required
        --output=DIR                results.md, RSS series and the gateway's log          target/bench
        --gateway-java-opts=OPTS    the gateway JVM's JAVA_OPTS                           -Xmx64m
        --gateway-set=SECTION.KEY=VALUE   a gateway setting, repeatable, e.g. upstream.stream_window=4MiB
        --scenarios=LIST            comma-separated, of unary,unary1,pingpong,upload,
                                    download,slow,chain,metrics,accesslog,balancing,
                                    tls,scaling                                           all but scaling
                                    unary1: unary with one call in flight; reports the
                                    latency the gateway adds (issue 11)
                                    pingpong: bidi streams, each with one message in
                                    flight at a time (issue 11)
                                    chain: unary through a gateway with an empty chain
                                    against one with five no-op filters (issue 3)
                                    metrics: unary through a gateway without metrics
                                    ([admin] listen = "off") against one with them (issue 12)
                                    accesslog: unary through a gateway with an empty chain
                                    against one logging every call with access-log
                                    (issue 12)
                                    balancing: unary through gateways to 1 backend and to
                                    3 (round-robin, least-request), and direct (issue 8)
                                    tls: unary, upload, download and new connections,
                                    mutual TLS on both legs, direct vs through a second
                                    gateway with [server.tls] and [upstream.tls] (issue 10)
                                    scaling: gateway RSS, CPU, files and threads with many
                                    idle connections, many open streams, many endpoints;
                                    several minutes, so only when named (issue 11)
        --paths=LIST                of direct,relay,gateway; one alone is for profiling   direct,gateway
                                    relay: a plain TCP byte relay (ByteRelay, no HTTP/2)
                                    in its own JVM with --gateway-java-opts, the floor of
                                    any user-space proxy here; in unary, unary1, pingpong,
                                    upload and download (issue 11)
        --rounds=N                  measured rounds of every scenario but slow, each
                                    alternating direct, relay, gateway; medians reported  3
        --unary-concurrency=N       outstanding unary calls                               32
        --unary-size=SIZE           unary request and response payload                    100B
        --unary-warmup=DURATION     the least unmeasured unary load on each path before
                                    measuring; it goes on until the rate of calls is
                                    steady (3 windows of 1 s within 5 %) and the path's
                                    JIT compilers quiet (at most 5 % of a core)           5s
        --unary-duration=DURATION   measured unary load per round                         5s
        --stream-bytes=SIZE         bytes of the upload and of the download               2GiB
        --stream-warmup=DURATION    the least time of unmeasured 256 MiB uploads, then
                                    downloads, on each path; each goes on until steady
                                    (3 windows of 1 s of transfers within 5 %, JIT
                                    compilers at most 5 % of a core)                      5s
        --warmup-max=DURATION       the most any warm-up runs, steady or not              60s
        --message-size=SIZE         message size of the streams                           32KiB
        --slow-bytes=SIZE           bytes the slow reader reads                           1GiB
        --slow-rate=SIZE            the slow reader's bytes per second                    10000000
        --pingpong-streams=N        pingpong's streams (messages of --unary-size, timed
                                    as --unary-warmup and --unary-duration)               16
        --tls-stream-bytes=SIZE     bytes of the tls scenario's upload and download       256MiB
        --handshake-duration=DURATION  new TLS connections per round and path (and once
                                    unmeasured per path before)                           3s
        --handshake-concurrency=N   threads making new TLS connections                    4
        --scaling-connections=LIST  idle client connections, step by step                 10,1000,10000
        --scaling-streams=LIST      open bidi streams (over connections of 1,000 each)    10,1000,5000
        --scaling-endpoints=LIST    backend endpoints of the unary scaling gateways       1,10,100
        --scaling-hold=DURATION     how long each connection or stream step is held idle  5s
      SIZE: bytes, or with a unit: 512B, 32KiB, 8MiB, 2GiB.  DURATION: 500ms, 15s, 2m.
      """;

  static Options parse(String[] args) {
    Map<String, String> values = new LinkedHashMap<>();
    List<String> settings = new ArrayList<>();
    for (String arg : args) {
      int equals = arg.indexOf('=');
      if (!arg.startsWith("--") || equals < 0) {
        throw new IllegalArgumentException("expected --name=value, got '" + arg + "'\n" + USAGE);
      }
      String name = arg.substring(2, equals);
      String value = arg.substring(equals + 1);
      if (name.equals("gateway-set")) {
        settings.add(value);
      } else {
        values.put(name, value);
      }
    }
    Options options = new Options(
        Path.of(required(values, "distribution")),
        Path.of(values.getOrDefault("output", "target/bench")),
        values.getOrDefault("gateway-java-opts", "-Xmx64m"),
        List.copyOf(settings),
        choice("scenarios", values.getOrDefault("scenarios", DEFAULT_SCENARIOS), ALL_SCENARIOS),
        choice("paths", values.getOrDefault("paths", "direct,gateway"), ALL_PATHS),
        Integer.parseInt(values.getOrDefault("rounds", "3")),
        Integer.parseInt(values.getOrDefault("unary-concurrency", "32")),
        (int) size(values.getOrDefault("unary-size", "100B")),
        duration(values.getOrDefault("unary-warmup", "5s")),
        duration(values.getOrDefault("unary-duration", "5s")),
        size(values.getOrDefault("stream-bytes", "2GiB")),
        duration(values.getOrDefault("stream-warmup", "5s")),
        duration(values.getOrDefault("warmup-max", "60s")),
        (int) size(values.getOrDefault("message-size", "32KiB")),
        size(values.getOrDefault("slow-bytes", "1GiB")),
        size(values.getOrDefault("slow-rate", "10000000")),
        Integer.parseInt(values.getOrDefault("pingpong-streams", "16")),
        counts("scaling-connections", values.getOrDefault("scaling-connections", "10,1000,10000")),
        counts("scaling-streams", values.getOrDefault("scaling-streams", "10,1000,5000")),
        counts("scaling-endpoints", values.getOrDefault("scaling-endpoints", "1,10,100")),
        duration(values.getOrDefault("scaling-hold", "5s")),
        size(values.getOrDefault("tls-stream-bytes", "256MiB")),
        duration(values.getOrDefault("handshake-duration", "3s")),
        Integer.parseInt(values.getOrDefault("handshake-concurrency", "4")));
    values.keySet().removeAll(Set.of("distribution", "output", "gateway-java-opts", "scenarios", "paths", "rounds", "unary-concurrency",
        "unary-size", "unary-warmup", "unary-duration", "stream-bytes", "stream-warmup", "warmup-max", "message-size",
        "slow-bytes", "slow-rate", "pingpong-streams", "scaling-connections", "scaling-streams", "scaling-endpoints",
        "scaling-hold", "tls-stream-bytes", "handshake-duration", "handshake-concurrency"));
    if (!values.isEmpty()) {
      throw new IllegalArgumentException("unknown option(s) " + values.keySet() + "\n" + USAGE);
    }
    // Refuses a maximum below a minimum now rather than after minutes of running.
    options.unaryWarming();
    options.streamWarming();
    return options;
  }

  boolean runs(String scenario) {
    return scenarios.contains(scenario);
  }

  boolean direct() {
    return paths.contains("direct");
  }

  boolean gateway() {
    return paths.contains("gateway");
  }

  boolean relay() {
    return paths.contains("relay");
  }

  /** How long each path's unary (and ping-pong) load is warmed up. */
  WarmUp unaryWarming() {
    return new WarmUp(unaryWarmUp, warmUpMax);
  }

  /** How long each path's uploads, then downloads, are warmed up. */
  WarmUp streamWarming() {
    return new WarmUp(streamWarmUp, warmUpMax);
  }

  private static String required(Map<String, String> values, String name) {
    String value = values.get(name);
    if (value == null) {
      throw new IllegalArgumentException("--" + name + " is required\n" + USAGE);
    }
    return value;
  }

  private static Set<String> choice(String option, String list, Set<String> known) {
    Set<String> chosen = Set.of(list.split(","));
    for (String value : chosen) {
      if (!known.contains(value)) {
        throw new IllegalArgumentException("--" + option + ": unknown '" + value + "'; known: " + known);
      }
    }
    return chosen;
  }

  /** A comma-separated list of positive counts, in increasing order (each step grows from the last). */
  private static List<Integer> counts(String option, String list) {
    List<Integer> counts = new ArrayList<>();
    for (String count : list.split(",")) {
      int value = Integer.parseInt(count.trim());
      if (value < 1 || (!counts.isEmpty() && value <= counts.get(counts.size() - 1))) {
        throw new IllegalArgumentException("--" + option + " wants increasing positive counts, got '" + list + "'");
      }
      counts.add(value);
    }
    return List.copyOf(counts);
  }

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m)");

  static long size(String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a size (512B, 32KiB, 8MiB, 2GiB)");
    }
    long unit = switch (m.group(2) == null ? "B" : m.group(2)) {
      case "KiB" -> 1L << 10;
      case "MiB" -> 1L << 20;
      case "GiB" -> 1L << 30;
      default -> 1;
    };
    return Long.parseLong(m.group(1)) * unit;
  }

  static Duration duration(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a duration (500ms, 15s, 2m)");
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      default -> Duration.ofMinutes(amount);
    };
  }
}

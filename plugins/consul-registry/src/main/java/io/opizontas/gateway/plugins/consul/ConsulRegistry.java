package io.opizontas.gateway.plugins.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.EndpointSink;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginConfigException;
import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.RegistryBackend;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.pf4j.Extension;
import org.slf4j.Logger;

/**
 * Services and their passing instances from Consul's HTTP API ({@code plugin = "consul"}).
 *
 * <p>Each watched resource (the catalog, and each service's health) is a <em>blocking query</em>: a
 * long poll that Consul answers when its {@code X-Consul-Index} moves past the one sent, or when the
 * wait ends. Requests are asynchronous ({@link HttpClient#sendAsync}), so a thousand watched
 * services hold no thread. Consul's rules for the index are followed: an index that goes backwards
 * resets to 0, one that is not positive is treated as 1, and an unchanged index (a wait that timed
 * out) is re-polled after a short pause so a misbehaving server cannot make us spin.
 *
 * <p>When Consul cannot be reached or refuses a request, the last known endpoints stay in the routing
 * table, the outage is logged once (and its end once), and requests are retried with exponential
 * backoff.
 *
 * <p>Settings: {@code address} (default {@code "http://127.0.0.1:8500"}), {@code token} or {@code
 * token_file} (ACL token, sent as {@code X-Consul-Token}), {@code datacenter}, {@code services}
 * (default: every service in the catalog), {@code tag} (only instances with this tag), {@code wait}
 * (blocking query wait, default 30s), {@code connect_timeout} (default 5s; also bounds the first
 * fetch at start-up), {@code retry_interval} (first backoff after a failure, default 1s; doubles up
 * to 30s).
 */
@Extension
public final class ConsulRegistry implements RegistryBackend {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration UNCHANGED_PAUSE = Duration.ofMillis(250);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final Map<String, Poll> serviceWatches = new ConcurrentHashMap<>();
  /** When the current outage was first seen ({@link System#nanoTime()}), 0 while Consul answers. */
  private final AtomicLong downSince = new AtomicLong();
  private volatile boolean closed;
  private URI address;
  private String token;
  private String datacenter;
  private String tag;
  private Duration wait;
  private Duration retryInterval;
  private HttpClient http;
  private ExecutorService httpThreads;
  private ScheduledExecutorService scheduler;
  private EndpointSink sink;
  private Logger log;
  private Poll catalog;

  @Override
  public void start(PluginConfig config, PluginContext context, EndpointSink sink) throws Exception {
    config.allowKeys(
        "address", "token", "token_file", "datacenter", "tag", "services", "wait", "connect_timeout", "retry_interval");
    String base = config.string("address", "http://127.0.0.1:8500");
    try {
      address = URI.create(base.endsWith("/") ? base : base + "/");
      if (address.getScheme() == null || !address.getScheme().startsWith("http") || address.getHost() == null) {
        throw new IllegalArgumentException("not an http(s) URL");
      }
    } catch (IllegalArgumentException e) {
      throw new PluginConfigException("address", "'" + base + "' is not a URL such as \"http://127.0.0.1:8500\"");
    }
    token = config.string("token").orElse(null);
    if (config.string("token_file").isPresent()) {
      if (token != null) {
        throw new PluginConfigException("token_file", "set token or token_file, not both");
      }
      Path file = context.home().resolve(config.string("token_file").get());
      try {
        token = Files.readString(file).trim();
      } catch (IOException e) {
        throw new PluginConfigException("token_file", "cannot read " + file + ": " + e.getMessage());
      }
    }
    datacenter = config.string("datacenter").orElse(null);
    tag = config.string("tag").orElse(null);
    wait = config.duration("wait", Duration.ofSeconds(30));
    if (wait.isZero() || wait.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new PluginConfigException("wait", "must be between 1ms and 10m (Consul's limit), was " + wait);
    }
    Duration connectTimeout = config.duration("connect_timeout", Duration.ofSeconds(5));
    retryInterval = config.duration("retry_interval", Duration.ofSeconds(1));
    List<String> services = config.strings("services");
    this.sink = sink;
    this.scheduler = context.scheduler();
    this.log = context.logger();
    httpThreads = Executors.newFixedThreadPool(2, task -> {
      Thread thread = new Thread(task, "consul-registry-http");
      thread.setDaemon(true);
      return thread;
    });
    http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .executor(httpThreads)
        .build();

    List<CompletableFuture<Void>> first = new ArrayList<>();
    if (services.isEmpty()) {
      CompletableFuture<Void> catalogLoaded = new CompletableFuture<>();
      catalog = new Poll("v1/catalog/services", this::catalogChanged, catalogLoaded);
      first.add(catalogLoaded);
      catalog.request();
    } else {
      services.forEach(service -> first.add(watch(service)));
    }
    try {
      CompletableFuture.allOf(first.toArray(new CompletableFuture[0])).get(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
      if (downSince.get() != 0) {
        log.warn("consul registry: starting without a good answer from {}; retrying in the background", address);
      } else {
        log.info("consul registry: watching {} services at {}", serviceWatches.size(), address);
      }
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      // Not fatal: the gateway starts, and the polls keep retrying in the background.
      log.warn("consul registry: no complete answer from {} within {}; starting with what is known", address, connectTimeout);
    }
  }

  /** Starts watching one service's passing instances; completes once the first answer arrived. */
  private CompletableFuture<Void> watch(String service) {
    CompletableFuture<Void> loaded = new CompletableFuture<>();
    Poll poll = new Poll(
        "v1/health/service/" + URLEncoder.encode(service, StandardCharsets.UTF_8) + "?passing=true"
            + (tag == null ? "" : "&tag=" + URLEncoder.encode(tag, StandardCharsets.UTF_8)),
        body -> sink.update(service, instances(body)),
        loaded);
    if (serviceWatches.putIfAbsent(service, poll) == null) {
      poll.request();
    }
    return loaded;
  }

  private void catalogChanged(JsonNode body) {
    Set<String> now = new HashSet<>();
    body.fields().forEachRemaining(entry -> {
      if (entry.getKey().equals("consul")) {
        return; // Consul's own servers, never a gRPC backend
      }
      if (tag != null && !hasTag(entry.getValue(), tag)) {
        return;
      }
      now.add(entry.getKey());
    });
    List<CompletableFuture<Void>> added = new ArrayList<>();
    now.forEach(service -> {
      if (!serviceWatches.containsKey(service)) {
        added.add(watch(service));
      }
    });
    for (String service : List.copyOf(serviceWatches.keySet())) {
      if (!now.contains(service)) {
        serviceWatches.remove(service).cancel();
        sink.update(service, Set.of());
      }
    }
    if (catalog != null && catalog.loaded != null && !catalog.loaded.isDone()) {
      CompletableFuture.allOf(added.toArray(new CompletableFuture[0])).thenRun(() -> catalog.loaded.complete(null));
    }
  }

  private static boolean hasTag(JsonNode tags, String wanted) {
    for (JsonNode t : tags) {
      if (wanted.equals(t.asText())) {
        return true;
      }
    }
    return false;
  }

  /** The endpoints of a {@code /v1/health/service} answer; unusable entries are skipped. */
  private Set<Endpoint> instances(JsonNode body) {
    Set<Endpoint> result = new HashSet<>();
    for (JsonNode entry : body) {
      JsonNode service = entry.path("Service");
      String host = service.path("Address").asText("");
      if (host.isEmpty()) {
        host = entry.path("Node").path("Address").asText("");
      }
      Map<String, String> meta = new LinkedHashMap<>();
      service.path("Meta").fields().forEachRemaining(e -> meta.put(e.getKey(), e.getValue().asText()));
      try {
        result.add(new Endpoint(
            host,
            service.path("Port").asInt(0),
            Math.max(1, service.path("Weights").path("Passing").asInt(1)),
            meta.getOrDefault("zone", ""),
            meta));
      } catch (IllegalArgumentException e) {
        log.debug("consul registry: skipping instance {} of {}: {}", service.path("ID").asText(), service.path("Service").asText(), e.getMessage());
      }
    }
    return result;
  }

  /** One blocking query, re-issued for as long as the backend runs. */
  private final class Poll {
    private final String path;
    private final Consumer<JsonNode> onChange;
    private final CompletableFuture<Void> loaded;
    private long index;
    private Duration backoff = retryInterval;
    private volatile boolean cancelled;
    private volatile CompletableFuture<?> inFlight;
    private long sentAt;

    Poll(String path, Consumer<JsonNode> onChange, CompletableFuture<Void> loaded) {
      this.path = path;
      this.onChange = onChange;
      this.loaded = loaded;
    }

    void request() {
      if (cancelled || closed) {
        return;
      }
      StringBuilder uri = new StringBuilder(address.toString()).append(path);
      char sep = path.indexOf('?') >= 0 ? '&' : '?';
      if (index > 0) {
        uri.append(sep).append("index=").append(index).append("&wait=").append(wait.toMillis()).append("ms");
        sep = '&';
      }
      if (datacenter != null) {
        uri.append(sep).append("dc=").append(URLEncoder.encode(datacenter, StandardCharsets.UTF_8));
      }
      // Consul adds up to wait/16 of jitter to a blocking query; allow for it and for the network.
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri.toString()))
          .timeout(wait.plus(wait.dividedBy(16)).plusSeconds(5))
          .GET();
      if (token != null) {
        request.header("X-Consul-Token", token);
      }
      sentAt = System.nanoTime();
      inFlight = http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
          .whenComplete((response, failure) -> {
            try {
              answered(response, failure);
            } catch (RuntimeException e) {
              failed("cannot use the answer of " + path + ": " + e);
            }
          });
    }

    private void answered(HttpResponse<byte[]> response, Throwable failure) {
      if (cancelled || closed) {
        return;
      }
      if (failure != null) {
        failed("unreachable (" + rootMessage(failure) + ")");
        return;
      }
      if (response.statusCode() != 200) {
        failed("answered " + response.statusCode() + " to " + path + ": "
            + new String(response.body(), StandardCharsets.UTF_8).strip());
        return;
      }
      JsonNode body;
      try {
        body = JSON.readTree(response.body());
      } catch (IOException e) {
        failed("sent unreadable JSON for " + path + ": " + e.getMessage());
        return;
      }
      recovered(sentAt);
      backoff = retryInterval;
      long next = response.headers().firstValueAsLong("X-Consul-Index").orElse(0);
      if (next < index) {
        next = 0; // the index went backwards (a snapshot restore): start over
      }
      next = Math.max(next, 1);
      boolean changed = next != index;
      index = next;
      if (changed) {
        onChange.accept(body);
      }
      if (loaded != null && path.startsWith("v1/health")) {
        loaded.complete(null);
      }
      if (changed) {
        request();
      } else {
        scheduler.schedule(this::request, UNCHANGED_PAUSE.toMillis(), TimeUnit.MILLISECONDS);
      }
    }

    private void failed(String why) {
      if (downSince.compareAndSet(0, System.nanoTime())) {
        log.warn("consul registry: Consul at {} {}; keeping the last known endpoints and retrying", address, why);
      } else {
        log.debug("consul registry: Consul at {} still failing: {}", address, why);
      }
      long delay = backoff.toMillis();
      backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      scheduler.schedule(this::request, delay, TimeUnit.MILLISECONDS);
      if (loaded != null) {
        loaded.complete(null); // start-up waits for a first answer, not for a good one
      }
    }

    void cancel() {
      cancelled = true;
      CompletableFuture<?> f = inFlight;
      if (f != null) {
        f.cancel(true);
      }
    }
  }

  /**
   * An answer to a request sent after the outage was first seen ends it; an older request's answer
   * (one in flight while Consul went down) says nothing about now.
   */
  private void recovered(long requestSentAt) {
    long since = downSince.get();
    if (since != 0 && requestSentAt - since > 0 && downSince.compareAndSet(since, 0)) {
      log.info("consul registry: Consul at {} answers again", address);
    }
  }

  private static String rootMessage(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
  }

  @Override
  public void close() {
    closed = true;
    if (catalog != null) {
      catalog.cancel();
    }
    serviceWatches.values().forEach(Poll::cancel);
    if (httpThreads != null) {
      httpThreads.shutdownNow();
    }
  }
}

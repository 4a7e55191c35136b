package io.opizontas.gateway.plugins.statics;

import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.EndpointSink;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginConfigException;
import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.RegistryBackend;
import io.opizontas.gateway.api.TomlKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.pf4j.Extension;
import org.slf4j.Logger;

/**
 * Endpoints written down in TOML ({@code plugin = "static"}): inline in the registry's section, in
 * a file of their own that is re-read when it changes, or both (merged per service).
 *
 * <pre>{@code
 * [[registries]]
 * plugin = "static"
 * services."helloworld.Greeter" = ["127.0.0.1:50052", "127.0.0.1:50053"]
 * services."post.PostService" = [{ address = "10.0.0.1:7000", weight = 3, zone = "eu-1", metadata = { version = "2" } }]
 * file = "conf/endpoints.toml"   # a [services] table of the same shape
 * reload_interval = "2s"
 * }</pre>
 *
 * <p>The file is compared by content every {@code reload_interval} (robust against editors that
 * replace files and against coarse timestamps). A file that fails to parse on reload is logged and
 * ignored: the last good endpoints stay. At start-up any error fails the start, naming the key.
 */
@Extension
public final class StaticRegistry implements RegistryBackend {

  private static final TomlMapper TOML = new TomlMapper();

  /** The keys of an endpoint written as a table, in the order the docs list them. */
  private static final List<String> ENDPOINT_KEYS = List.of("address", "weight", "zone", "metadata");

  private EndpointSink sink;
  private Logger log;
  private Map<String, Set<Endpoint>> inline = Map.of();
  private Path file;
  private byte[] lastFileContent;
  private ScheduledFuture<?> watcher;

  @Override
  public void start(PluginConfig config, PluginContext context, EndpointSink sink) throws Exception {
    this.sink = sink;
    this.log = context.logger();
    config.allowKeys("services", "file", "reload_interval");
    inline = parse(config.section("services").asMap(), "services");
    Map<String, Set<Endpoint>> fromFile = Map.of();
    if (config.string("file").isPresent()) {
      // Relative to the gateway's home, as the gateway's own paths are.
      file = context.home().resolve(config.string("file").get());
      try {
        lastFileContent = Files.readAllBytes(file);
        fromFile = parseFile(lastFileContent);
      } catch (IOException | IllegalArgumentException e) {
        throw new PluginConfigException("file", file + ": " + e.getMessage());
      }
      Duration interval = config.duration("reload_interval", Duration.ofSeconds(2));
      if (interval.isZero() || interval.isNegative()) {
        throw new PluginConfigException("reload_interval", "must be positive");
      }
      watcher = context.scheduler().scheduleWithFixedDelay(
          this::reloadIfChanged, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    } else if (inline.isEmpty()) {
      log.warn("static registry: neither services nor file is set; it reports nothing");
    }
    report(fromFile);
  }

  private synchronized void reloadIfChanged() {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      if (lastFileContent != null) {
        log.warn("static registry: {} is gone; keeping its last endpoints", file);
        lastFileContent = null;
      }
      return;
    } catch (IOException e) {
      log.warn("static registry: cannot read {}: {}; keeping its last endpoints", file, e.toString());
      return;
    }
    if (Arrays.equals(content, lastFileContent)) {
      return;
    }
    lastFileContent = content;
    try {
      report(parseFile(content));
      log.info("static registry: reloaded {}", file);
    } catch (IOException | IllegalArgumentException e) {
      log.warn("static registry: {} is not valid, keeping the last good endpoints: {}", file, e.getMessage());
    }
  }

  private static Map<String, Set<Endpoint>> parseFile(byte[] content) throws IOException {
    Map<?, ?> root = TOML.readValue(content, Map.class);
    Object services = root.get("services");
    if (services == null) {
      return Map.of();
    }
    if (!(services instanceof Map<?, ?> table)) {
      throw new IllegalArgumentException("services: expected a table");
    }
    try {
      return parse(table, "services");
    } catch (PluginConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** {@code service -> [ "host:port" | { address, weight, zone, metadata } ]}, errors naming the key. */
  private static Map<String, Set<Endpoint>> parse(Map<?, ?> services, String prefix) {
    Map<String, Set<Endpoint>> result = new LinkedHashMap<>();
    services.forEach((name, value) -> {
      String key = prefix + "." + TomlKeys.segment(String.valueOf(name));
      try {
        EndpointSink.checkServiceName(String.valueOf(name));
      } catch (IllegalArgumentException e) {
        throw new PluginConfigException(key, e.getMessage());
      }
      if (!(value instanceof List<?> list)) {
        throw new PluginConfigException(key, "expected a list of \"host:port\" strings or tables");
      }
      Set<Endpoint> endpoints = new HashSet<>();
      for (int i = 0; i < list.size(); i++) {
        endpoints.add(endpoint(list.get(i), key + "." + i));
      }
      result.put(String.valueOf(name), Set.copyOf(endpoints));
    });
    return result;
  }

  private static Endpoint endpoint(Object entry, String key) {
    try {
      if (entry instanceof String address) {
        return Endpoint.parse(address);
      }
      if (entry instanceof Map<?, ?> table) {
        for (Object field : table.keySet()) {
          if (!ENDPOINT_KEYS.contains(String.valueOf(field))) {
            throw new PluginConfigException(
                key + "." + TomlKeys.segment(String.valueOf(field)), "unknown key; expected one of " + String.join(", ", ENDPOINT_KEYS));
          }
        }
        if (!(table.get("address") instanceof String address)) {
          throw new PluginConfigException(key + ".address", "is required: \"host:port\"");
        }
        Endpoint at = Endpoint.parse(address);
        Object weight = table.get("weight") == null ? Integer.valueOf(1) : table.get("weight");
        if (!(weight instanceof Number n) || weight instanceof Double) {
          throw new PluginConfigException(key + ".weight", "expected an integer");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        if (table.get("metadata") instanceof Map<?, ?> labels) {
          labels.forEach((k, v) -> metadata.put(String.valueOf(k), String.valueOf(v)));
        }
        return new Endpoint(at.host(), at.port(), n.intValue(), table.get("zone") == null ? "" : String.valueOf(table.get("zone")), metadata);
      }
    } catch (IllegalArgumentException e) {
      throw new PluginConfigException(key, e.getMessage());
    }
    throw new PluginConfigException(key, "expected \"host:port\" or a table with an address");
  }

  /**
   * Reports the union of inline and file endpoints as the whole of what this registry knows: the
   * sink withdraws services no longer listed.
   */
  private synchronized void report(Map<String, Set<Endpoint>> fromFile) {
    Map<String, Set<Endpoint>> merged = new HashMap<>();
    inline.forEach((service, endpoints) -> merged.computeIfAbsent(service, s -> new HashSet<>()).addAll(endpoints));
    fromFile.forEach((service, endpoints) -> merged.computeIfAbsent(service, s -> new HashSet<>()).addAll(endpoints));
    sink.replaceAll(merged);
  }

  @Override
  public void close() {
    if (watcher != null) {
      watcher.cancel(false);
    }
  }
}

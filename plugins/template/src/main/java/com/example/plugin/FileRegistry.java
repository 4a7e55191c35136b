package com.example.plugin;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.EndpointSink;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.RegistryBackend;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.pf4j.Extension;

/** Endpoints from a properties file, {@code service = host:port, host:port}, re-read periodically. */
@Extension
public final class FileRegistry implements RegistryBackend {

  private Path file;
  private EndpointSink sink;
  private Future<?> reloads;

  @Override
  public void start(PluginConfig config, PluginContext context, EndpointSink sink) throws IOException {
    config.allowKeys("file", "reload_interval");
    file = context.home().resolve(config.requiredString("file")); // relative paths: as the gateway's own
    this.sink = sink;
    read(); // a file that cannot be read now stops the gateway's start, naming this entry
    long every = config.duration("reload_interval", Duration.ofSeconds(5)).toMillis();
    reloads = context.scheduler().scheduleWithFixedDelay(() -> {
      try {
        read();
      } catch (IOException | RuntimeException e) { // keep reporting what the last good read found
        context.logger().warn("Keeping the endpoints read before: cannot read {}: {}", file, e.toString());
      }
    }, every, every, TimeUnit.MILLISECONDS);
  }

  /** Reports the whole file: services no longer in it are withdrawn, unchanged ones stay as they are. */
  private void read() throws IOException {
    Properties lines = new Properties();
    try (Reader reader = Files.newBufferedReader(file)) {
      lines.load(reader);
    }
    Map<String, Set<Endpoint>> services = new HashMap<>();
    for (String service : lines.stringPropertyNames()) {
      Set<Endpoint> endpoints = new HashSet<>();
      for (String address : lines.getProperty(service).split(",")) {
        endpoints.add(Endpoint.parse(address.trim()));
      }
      services.put(service, endpoints);
    }
    sink.replaceAll(services);
  }

  @Override
  public void close() {
    reloads.cancel(false);
  }
}

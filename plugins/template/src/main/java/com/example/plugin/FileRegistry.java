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
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.pf4j.Extension;

/** Endpoints from a properties file, {@code service = host:port, host:port}, re-read periodically. */
@Extension
public final class FileRegistry implements RegistryBackend {

  private final Set<String> reported = new HashSet<>();
  private Path file;
  private EndpointSink sink;
  private Future<?> reloads;

  @Override
  public void start(PluginConfig config, PluginContext context, EndpointSink sink) throws IOException {
    config.allowKeys("file", "reload_interval");
    file = Path.of(config.string("file").orElseThrow(() -> config.invalid("file", "is required")));
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

  /** Reports every service of the file; reporting an unchanged set again changes nothing. */
  private void read() throws IOException {
    Properties services = new Properties();
    try (Reader reader = Files.newBufferedReader(file)) {
      services.load(reader);
    }
    for (String service : services.stringPropertyNames()) {
      Set<Endpoint> endpoints = new HashSet<>();
      for (String address : services.getProperty(service).split(",")) {
        endpoints.add(Endpoint.parse(address.trim()));
      }
      sink.update(service, endpoints);
    }
    reported.removeAll(services.stringPropertyNames());
    reported.forEach(gone -> sink.update(gone, Set.of())); // no longer in the file
    reported.clear();
    reported.addAll(services.stringPropertyNames());
  }

  @Override
  public void close() {
    reloads.cancel(false);
  }
}

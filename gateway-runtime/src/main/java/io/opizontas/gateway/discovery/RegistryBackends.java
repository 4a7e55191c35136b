package io.opizontas.gateway.discovery;

import io.opizontas.gateway.api.PluginConfigException;
import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.Registrar;
import io.opizontas.gateway.api.RegistryBackend;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.config.RegistrationConfig;
import io.opizontas.gateway.plugin.PluginLoadException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running registry backends of one gateway: every {@code [[registries]]} entry, each reporting
 * into the {@link EndpointTable} under a source of its own, plus the writable one the registration
 * API stores leases in.
 */
public final class RegistryBackends implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RegistryBackends.class);

  /** Makes a fresh backend instance of a plugin. */
  @FunctionalInterface
  public interface Factory {
    /** @throws IllegalArgumentException when no loaded plugin contributes a backend with that id */
    RegistryBackend create(String pluginId);
  }

  private final List<Running> running;
  private final Registrar registrar;

  private record Running(PluginSection section, RegistryBackend backend, SourceSink sink) {}

  private RegistryBackends(List<Running> running, Registrar registrar) {
    this.running = running;
    this.registrar = registrar;
  }

  /**
   * Starts every configured backend, in order. When the registration API is enabled and no entry
   * names its backend, one is added with default settings, so the embedded default (no file) runs
   * an in-memory registry.
   *
   * @throws PluginLoadException naming the entry (plugin id and {@code file:line}) that could not
   *     start, after closing those already started
   */
  public static RegistryBackends start(
      List<PluginSection> registries,
      RegistrationConfig registration,
      Factory factory,
      Function<String, PluginContext> contexts,
      EndpointTable table) {
    List<PluginSection> sections = effective(registries, registration);
    List<Running> running = new ArrayList<>();
    Registrar registrar = null;
    try {
      for (int i = 0; i < sections.size(); i++) {
        PluginSection section = sections.get(i);
        String id = section.plugin();
        RegistryBackend backend;
        try {
          backend = factory.create(id);
        } catch (RuntimeException e) {
          throw new PluginLoadException(section.origin() + ": " + e.getMessage(), e);
        }
        TablePluginConfig config = new TablePluginConfig(id, section.settings());
        SourceSink sink = table.sink(id + "#" + i);
        try {
          backend.start(config, contexts.apply(id), sink);
          // Closed at shutdown only if started, as the extension points promise.
          running.add(new Running(section, backend, sink));
          config.rejectUnread();
        } catch (PluginConfigException e) {
          sink.close();
          throw section.refuse(e);
        } catch (Exception e) {
          // A backend that failed to start is never closed: its watchers must not report meanwhile.
          sink.close();
          throw PluginLoadException.failedToStart(id, section.origin(), e);
        }
        if (registration.enabled() && registrar == null && id.equals(registration.backend())) {
          registrar =
              backend
                  .registrar()
                  .orElseThrow(
                      () ->
                          new PluginLoadException(
                              "[registration] backend = \"" + id + "\": that registry is read-only;"
                                  + " use \"memory\" or \"zookeeper\""));
        }
      }
    } catch (RuntimeException e) {
      new RegistryBackends(running, null).close();
      throw e;
    }
    return new RegistryBackends(List.copyOf(running), registrar);
  }

  private static List<PluginSection> effective(
      List<PluginSection> registries, RegistrationConfig registration) {
    List<PluginSection> sections = new ArrayList<>(registries);
    if (registration.enabled()
        && sections.stream().noneMatch(s -> s.plugin().equals(registration.backend()))) {
      sections.add(
          new PluginSection(registration.backend(), Map.of(), "[registration] backend (implied)"));
    }
    return sections;
  }

  /** Where the registration API stores leases; empty when the API is disabled. */
  public Optional<Registrar> registrar() {
    return Optional.ofNullable(registrar);
  }

  /**
   * Closes every backend, last started first; a backend that throws is logged and skipped. Each
   * backend's sink stops taking reports first, as {@link RegistryBackend#close} promises: what the
   * backend reports while or after it closes is ignored.
   */
  @Override
  public void close() {
    for (int i = running.size() - 1; i >= 0; i--) {
      Running r = running.get(i);
      r.sink().close();
      try {
        r.backend().close();
      } catch (RuntimeException e) {
        LOG.warn("registry '{}' ({}) failed to close", r.section().plugin(), r.section().origin(), e);
      }
    }
  }
}

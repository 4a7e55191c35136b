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
  private final EndpointTable table;

  /** A started backend, the source it reports under and its sink. */
  private record Running(PluginSection section, RegistryBackend backend, String source, SourceSink sink) {}

  private RegistryBackends(List<Running> running, Registrar registrar, EndpointTable table) {
    this.running = running;
    this.registrar = registrar;
    this.table = table;
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
    return start(registries, registration, factory, contexts, table, null, 0);
  }

  /**
   * Starts the backends of a reloaded configuration next to {@code previous}, the ones running now.
   * An entry with the plugin and settings of a running backend takes that backend over, running,
   * with what it reported: a reload does not reconnect to ZooKeeper or forget leases. So does the
   * registration API's backend whatever its settings, because the registration API keeps its leases
   * there (changing it needs a restart). The others start anew and report under sources of {@code
   * generation}, so that what they report never mixes with what a backend they replace reported.
   * Until {@link #retire} the backends of both configurations report into the table.
   *
   * @param previous the running backends, or null when the gateway starts
   * @throws PluginLoadException naming the entry that could not start, after closing the new
   *     backends already started and withdrawing what they reported
   */
  public static RegistryBackends start(
      List<PluginSection> registries,
      RegistrationConfig registration,
      Factory factory,
      Function<String, PluginContext> contexts,
      EndpointTable table,
      RegistryBackends previous,
      int generation) {
    List<PluginSection> sections = effective(registries, registration);
    List<Running> running = new ArrayList<>();
    List<Running> fresh = new ArrayList<>();
    Registrar registrar = null;
    try {
      for (int i = 0; i < sections.size(); i++) {
        PluginSection section = sections.get(i);
        String id = section.plugin();
        Running kept = previous == null ? null : previous.takeOver(section, registration, running);
        RegistryBackend backend;
        if (kept != null) {
          running.add(new Running(section, kept.backend(), kept.source(), kept.sink()));
          backend = kept.backend();
        } else {
          backend = startOne(section, i, generation, factory, contexts, table, fresh);
          running.add(fresh.get(fresh.size() - 1));
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
      closeAndForget(fresh, table);
      throw e;
    }
    return new RegistryBackends(List.copyOf(running), registrar, table);
  }

  private static RegistryBackend startOne(PluginSection section, int index, int generation, Factory factory,
      Function<String, PluginContext> contexts, EndpointTable table, List<Running> started) {
    String id = section.plugin();
    RegistryBackend backend;
    try {
      backend = factory.create(id);
    } catch (RuntimeException e) {
      throw new PluginLoadException(section.origin() + ": " + e.getMessage(), e);
    }
    String source = id + "#" + index + (generation == 0 ? "" : "@" + generation);
    TablePluginConfig config = new TablePluginConfig(id, section.settings());
    SourceSink sink = table.sink(source);
    try {
      backend.start(config, contexts.apply(id), sink);
      // Closed at shutdown only if started, as the extension points promise.
      started.add(new Running(section, backend, source, sink));
      config.rejectUnread();
    } catch (PluginConfigException e) {
      sink.close();
      throw section.refuse(e);
    } catch (Exception e) {
      // A backend that failed to start is never closed: its watchers must not report meanwhile.
      sink.close();
      throw new PluginLoadException(
          section.origin() + ": registry '" + id + "' failed to start: " + e.getMessage(), e);
    }
    return backend;
  }

  /** The running backend {@code section} takes over (not one of {@code taken}), or null. */
  private Running takeOver(PluginSection section, RegistrationConfig registration, List<Running> taken) {
    for (Running candidate : running) {
      if (!candidate.section().plugin().equals(section.plugin()) || isTaken(candidate, taken)) {
        continue;
      }
      boolean keepsLeases = registration.enabled() && registrar != null && section.plugin().equals(registration.backend())
          && candidate.backend().registrar().orElse(null) == registrar;
      if (keepsLeases || candidate.section().settings().equals(section.settings())) {
        return candidate;
      }
    }
    return null;
  }

  private static boolean isTaken(Running candidate, List<Running> taken) {
    return taken.stream().anyMatch(r -> r.backend() == candidate.backend());
  }

  /**
   * Closes the backends {@code successor} did not take over and withdraws what they reported: the
   * routes of the reloaded configuration are now those of {@code successor}.
   */
  public void retire(RegistryBackends successor) {
    List<Running> dropped = running.stream().filter(r -> !isTaken(r, successor.running)).toList();
    closeAndForget(dropped, table);
  }

  private static void closeAndForget(List<Running> backends, EndpointTable table) {
    close(backends);
    backends.forEach(r -> table.forget(r.source()));
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
    close(running);
  }

  private static void close(List<Running> backends) {
    for (int i = backends.size() - 1; i >= 0; i--) {
      Running r = backends.get(i);
      r.sink().close();
      try {
        r.backend().close();
      } catch (RuntimeException e) {
        LOG.warn("registry '{}' ({}) failed to close", r.section().plugin(), r.section().origin(), e);
      }
    }
  }
}

package io.opizontas.gateway.config;

import io.opizontas.gateway.api.TomlKeys;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The settings a running gateway keeps until it restarts, because what they configure cannot be
 * swapped under calls: the listeners and their TLS ({@code [server]}), the backend sessions and
 * their TLS ({@code [upstream]}), the plugins directory, the registration API and the registry it
 * keeps its leases in, {@code [admin]}, and {@code [reload]} itself. A reload applies everything
 * else and reports these, by key, when the file changed them.
 *
 * <p>Settings are compared by value: an entry that merely moved to another line is unchanged.
 */
public final class RestartSettings {

  private RestartSettings() {}

  /** The dotted keys of the restart-only settings {@code next} changes, in file order of sections. */
  public static List<String> changed(GatewayConfig running, GatewayConfig next) {
    List<String> keys = new ArrayList<>();
    components("server", running.server(), next.server(), keys);
    if (!same(running.tls().listener(), next.tls().listener())) {
      keys.add("server.tls");
    }
    components("upstream", running.upstream(), next.upstream(), keys);
    if (!same(running.tls().upstream(), next.tls().upstream())) {
      keys.add("upstream.tls");
    }
    components("plugins", running.plugins(), next.plugins(), keys);
    components("registration", running.registration(), next.registration(), keys);
    if (running.registration().enabled()
        && !registrarEntry(running).settings().equals(registrarEntry(next).settings())) {
      int index = indexOf(next.registries(), next.registration().backend());
      keys.add(index < 0 ? "registries" : "registries." + index);
    }
    // The admin listener's keys are written apart from its record's component names.
    if (!same(running.admin().listen(), next.admin().listen())) {
      keys.add("admin.listen");
    }
    if (!same(running.admin().tokenSha256s(), next.admin().tokenSha256s())) {
      keys.add("admin.tokens");
    }
    if (!same(running.admin().tls(), next.admin().tls())) {
      keys.add("admin.tls");
    }
    components("reload", running.reload(), next.reload(), keys);
    return keys;
  }

  /**
   * {@code next} with every restart-only setting as {@code running} has it: what a reload applies.
   */
  public static GatewayConfig kept(GatewayConfig running, GatewayConfig next) {
    List<PluginSection> registries = new ArrayList<>(next.registries());
    if (running.registration().enabled()) {
      PluginSection kept = registrarEntry(running);
      int index = indexOf(registries, kept.plugin());
      if (index < 0) {
        registries.add(kept);
      } else {
        PluginSection written = registries.get(index);
        registries.set(index, new PluginSection(kept.plugin(), kept.settings(), written.origin(), written.keys()));
      }
    }
    // What a reload applies; the rest stays as the gateway started.
    return running.withRegistries(registries).withChain(next.chain()).withBalancing(next.balancing())
        .withHealth(next.health());
  }

  /**
   * Each of {@code keys} followed by where {@code toml} (named {@code source}) writes it, such as
   * {@code server.listen (conf/gateway.toml:3)}; a key the text leaves out (back to its default) is
   * placed at its nearest written section, or at the file alone.
   */
  public static List<String> located(List<String> keys, String toml, String source) {
    KeyLines lines = KeyLines.scan(toml);
    List<String> located = new ArrayList<>(keys.size());
    for (String key : keys) {
      int line = lines.lineOf(TomlKeys.split(key));
      located.add(key + " (" + source + (line > 0 ? ":" + line : "") + ")");
    }
    return located;
  }

  /** The registries entry the registration API keeps its leases in, as configured or implied. */
  private static PluginSection registrarEntry(GatewayConfig config) {
    String backend = config.registration().backend();
    int index = indexOf(config.registries(), backend);
    return index >= 0 ? config.registries().get(index)
        : new PluginSection(backend, Map.of(), "[registration] backend (implied)");
  }

  private static int indexOf(List<PluginSection> sections, String plugin) {
    for (int i = 0; i < sections.size(); i++) {
      if (sections.get(i).plugin().equals(plugin)) {
        return i;
      }
    }
    return -1;
  }

  /** Adds {@code section.key} for each component of two records of one section that differs. */
  private static void components(String section, Record running, Record next, List<String> keys) {
    for (RecordComponent component : running.getClass().getRecordComponents()) {
      if (!same(value(component, running), value(component, next))) {
        keys.add(section + "." + snakeCase(component.getName()));
      }
    }
  }

  /** Equal by value, where a plugin entry is its plugin and settings (not the line it is on). */
  private static boolean same(Object a, Object b) {
    if (a instanceof PluginSection x && b instanceof PluginSection y) {
      return x.plugin().equals(y.plugin()) && x.settings().equals(y.settings());
    }
    if (a instanceof Record x && b instanceof Record y && x.getClass() == y.getClass()) {
      for (RecordComponent component : x.getClass().getRecordComponents()) {
        if (!same(value(component, x), value(component, y))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Optional<?> x && b instanceof Optional<?> y) {
      return x.isPresent() == y.isPresent() && (x.isEmpty() || same(x.get(), y.get()));
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!same(x.get(i), y.get(i))) {
          return false;
        }
      }
      return true;
    }
    return Objects.equals(a, b);
  }

  private static Object value(RecordComponent component, Record record) {
    try {
      return component.getAccessor().invoke(record);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot read " + component + " of " + record.getClass(), e);
    }
  }

  /** {@code drainTimeout} is written {@code drain_timeout} in the file. */
  private static String snakeCase(String camel) {
    StringBuilder snake = new StringBuilder(camel.length() + 4);
    for (char c : camel.toCharArray()) {
      if (Character.isUpperCase(c)) {
        snake.append('_').append(Character.toLowerCase(c));
      } else {
        snake.append(c);
      }
    }
    return snake.toString();
  }
}

package io.opizontas.gateway.plugin;

import java.io.File;
import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.pf4j.DefaultPluginManager;
import org.pf4j.JarPluginLoader;
import org.pf4j.JarPluginRepository;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginDescriptorFinder;
import org.pf4j.PluginLoader;
import org.pf4j.PluginRepository;
import org.pf4j.PluginState;
import org.pf4j.PluginStatusProvider;
import org.pf4j.PluginWrapper;

/**
 * PF4J's plugin manager over one directory of plugin jars, made strict: where PF4J logs a bad jar
 * and carries on, this throws a {@link PluginLoadException} naming the jar or plugin and the cause,
 * so the gateway never starts with half its plugins.
 *
 * <p>Only {@code *.jar} files are plugins (self-contained: a plugin's own dependencies are shaded
 * into its jar), so the directory is never written to and may be read-only; a {@code *.zip} there is
 * refused rather than unpacked. PF4J's development mode
 * and its {@code enabled.txt}/{@code disabled.txt} files are ignored: the TOML configuration decides
 * what runs.
 */
final class PluginDirectory extends DefaultPluginManager {

  PluginDirectory(Path root, String systemVersion) {
    super(root);
    setSystemVersion(systemVersion);
  }

  @Override
  protected PluginRepository createPluginRepository() {
    JarPluginRepository jars = new JarPluginRepository(getPluginsRoots());
    // By name, not PF4J's modification time, so a duplicate id is reported the same way every start.
    jars.setComparator(Comparator.comparing(File::getName));
    return jars;
  }

  @Override
  protected PluginLoader createPluginLoader() {
    return new JarPluginLoader(this);
  }

  @Override
  protected PluginDescriptorFinder createPluginDescriptorFinder() {
    return new JarDescriptorFinder();
  }

  @Override
  protected PluginStatusProvider createPluginStatusProvider() {
    return new PluginStatusProvider() {
      @Override
      public boolean isPluginDisabled(String pluginId) {
        return false;
      }

      @Override
      public void disablePlugin(String pluginId) {
        throw new UnsupportedOperationException("plugins are enabled by naming them in the configuration");
      }

      @Override
      public void enablePlugin(String pluginId) {
        throw new UnsupportedOperationException("plugins are enabled by naming them in the configuration");
      }
    };
  }

  /** Whether the plugins directory exists at all. */
  boolean exists() {
    return Files.isDirectory(getPluginsRoot());
  }

  /**
   * Loads every jar of the directory, then resolves their dependencies on each other.
   *
   * @throws PluginLoadException on the first jar that cannot be used, after unloading the rest
   */
  void loadAll() {
    if (!exists()) {
      return;
    }
    rejectZips();
    try {
      for (Path jar : pluginRepository.getPluginPaths()) {
        load(jar);
      }
      resolvePlugins();
    } catch (PluginLoadException e) {
      unloadPlugins();
      throw e;
    } catch (RuntimeException e) {
      unloadPlugins();
      throw new PluginLoadException("plugins in " + getPluginsRoot().toAbsolutePath() + ": " + PluginLoadException.describe(e), e);
    }
  }

  /**
   * PF4J can load a zip only by unpacking it next to itself; the gateway never writes to its plugins
   * directory, so a zip there is a mistake to report, not a file to skip silently.
   */
  private void rejectZips() {
    try (DirectoryStream<Path> zips = Files.newDirectoryStream(getPluginsRoot(), "*.{zip,ZIP}")) {
      for (Path zip : zips) {
        throw new PluginLoadException(
            "plugin archive " + zip + ": zip plugins are not supported; install the plugin as one jar with its libraries shaded in");
      }
    } catch (IOException e) {
      throw new PluginLoadException("plugins directory " + getPluginsRoot().toAbsolutePath() + ": " + PluginLoadException.describe(e), e);
    }
  }

  private void load(Path jar) {
    PluginDescriptor descriptor;
    try {
      descriptor = getPluginDescriptorFinder().find(jar);
      validatePluginDescriptor(descriptor);
    } catch (RuntimeException e) {
      throw new PluginLoadException("plugin jar " + jar + ": " + PluginLoadException.describe(e), e);
    }
    String where = "plugin '" + descriptor.getPluginId() + "' (" + jar + ")";
    PluginWrapper twin = getPlugin(descriptor.getPluginId());
    if (twin != null) {
      throw new PluginLoadException(
          "plugin '" + descriptor.getPluginId() + "': installed twice, as " + twin.getPluginPath() + " and " + jar
              + "; remove one");
    }
    PluginWrapper plugin;
    try {
      plugin = loadPluginFromPath(jar);
    } catch (RuntimeException e) {
      throw new PluginLoadException(where + ": cannot load: " + PluginLoadException.describe(e), e);
    }
    if (plugin.getPluginState() == PluginState.DISABLED) {
      throw new PluginLoadException(
          where + ": requires gateway-api " + descriptor.getRequires() + ", but this gateway provides " + getSystemVersion());
    }
    rejectBundled(where, plugin, "io/opizontas/gateway/api/CallFilter.class", "gateway-api");
    rejectBundled(where, plugin, "org/slf4j/Logger.class", "slf4j-api");
  }

  /**
   * A plugin that ships its own copy of the contract (or of the logging API the contract exposes)
   * would load classes the runtime cannot see as its own, and fail much later with a baffling
   * ClassCastException; refuse it now, saying why.
   */
  private static void rejectBundled(String where, PluginWrapper plugin, String resource, String artifact) {
    if (((URLClassLoader) plugin.getPluginClassLoader()).findResource(resource) != null) {
      throw new PluginLoadException(
          where + ": bundles " + artifact + "; depend on it with <scope>provided</scope>, the gateway supplies it");
    }
  }

  /**
   * Starts every loaded plugin (its optional {@code Plugin-Class}).
   *
   * @throws PluginLoadException naming the first plugin whose start threw
   */
  void startAll() {
    startPlugins();
    for (PluginWrapper plugin : getPlugins()) {
      if (plugin.getPluginState() == PluginState.FAILED) {
        Throwable cause = plugin.getFailedException();
        throw new PluginLoadException(
            "plugin '" + plugin.getPluginId() + "' (" + plugin.getPluginPath() + "): failed to start: "
                + (cause == null ? "unknown cause" : PluginLoadException.describe(cause)),
            cause);
      }
    }
  }
}

package io.opizontas.gateway.plugin;

import java.io.IOException;
import java.nio.file.Path;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.pf4j.ManifestPluginDescriptorFinder;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginDescriptorFinder;
import org.pf4j.PluginRuntimeException;
import org.pf4j.PropertiesPluginDescriptorFinder;
import org.pf4j.util.FileUtils;

/**
 * Reads a plugin jar's descriptor from {@code plugin.properties} at its root, or else from its
 * manifest ({@code Plugin-Id}, {@code Plugin-Version}, {@code Plugin-Requires}), the two forms PF4J
 * documents. Unlike PF4J's compound finder it says why a jar has no usable descriptor, so the
 * start-up error can.
 */
final class JarDescriptorFinder implements PluginDescriptorFinder {

  private final PluginDescriptorFinder properties = new PropertiesPluginDescriptorFinder();
  private final PluginDescriptorFinder manifest = new ManifestPluginDescriptorFinder();

  @Override
  public boolean isApplicable(Path pluginPath) {
    return FileUtils.isJarFile(pluginPath);
  }

  @Override
  public PluginDescriptor find(Path pluginPath) {
    boolean hasProperties;
    boolean hasManifestId;
    try (JarFile jar = new JarFile(pluginPath.toFile())) {
      hasProperties = jar.getEntry(PropertiesPluginDescriptorFinder.DEFAULT_PROPERTIES_FILE_NAME) != null;
      Manifest m = jar.getManifest();
      hasManifestId = m != null && m.getMainAttributes().getValue(ManifestPluginDescriptorFinder.PLUGIN_ID) != null;
    } catch (IOException e) {
      throw new PluginRuntimeException("not a readable jar (" + PluginLoadException.describe(e) + ")");
    }
    if (hasProperties) {
      return properties.find(pluginPath);
    }
    if (hasManifestId) {
      return manifest.find(pluginPath);
    }
    throw new PluginRuntimeException(
        "no plugin descriptor: the jar has neither plugin.properties nor a manifest with Plugin-Id");
  }
}

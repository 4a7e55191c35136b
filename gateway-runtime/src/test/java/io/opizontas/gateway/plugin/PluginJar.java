package io.opizontas.gateway.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Builds a PF4J plugin jar the way the plugin build does (descriptor, classes, {@code
 * META-INF/extensions.idx}, third-party jars shaded in) from test classes, so tests can make plugins
 * that are broken in exactly one way.
 */
final class PluginJar {

  private final String id;
  private String version = "1.0.0";
  private String requires = ">=0.1.0";
  private boolean manifestDescriptor;
  private boolean descriptor = true;
  private Class<?> pluginClass;
  private final List<Class<?>> extensions = new ArrayList<>();
  private final List<Class<?>> classes = new ArrayList<>();
  private final List<Path> bundled = new ArrayList<>();

  private PluginJar(String id) {
    this.id = id;
  }

  static PluginJar id(String id) {
    return new PluginJar(id);
  }

  PluginJar requires(String expression) {
    this.requires = expression;
    return this;
  }

  /** Describe the plugin in the manifest ({@code Plugin-Id}...) instead of plugin.properties. */
  PluginJar inManifest() {
    this.manifestDescriptor = true;
    return this;
  }

  PluginJar withoutDescriptor() {
    this.descriptor = false;
    return this;
  }

  PluginJar pluginClass(Class<?> type) {
    this.pluginClass = type;
    classes.add(type);
    return this;
  }

  /** Packs {@code type} and lists it in the extension index. */
  PluginJar extension(Class<?> type) {
    extensions.add(type);
    classes.add(type);
    return this;
  }

  /** Packs {@code type} without listing it. */
  PluginJar include(Class<?> type) {
    classes.add(type);
    return this;
  }

  /** Shades every entry of {@code jar} in, as the plugin build does with a plugin's own dependencies. */
  PluginJar bundle(Path jar) {
    bundled.add(jar);
    return this;
  }

  /** Writes {@code <id>.jar} into {@code directory}. */
  Path writeTo(Path directory) {
    return writeTo(directory, id + ".jar");
  }

  Path writeTo(Path directory, String fileName) {
    Path jar = directory.resolve(fileName);
    Manifest manifest = new Manifest();
    Attributes main = manifest.getMainAttributes();
    main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    Map<String, String> descriptorEntries = new LinkedHashMap<>();
    descriptorEntries.put("id", id);
    descriptorEntries.put("version", version);
    descriptorEntries.put("requires", requires);
    if (pluginClass != null) {
      descriptorEntries.put("class", pluginClass.getName());
    }
    if (descriptor && manifestDescriptor) {
      descriptorEntries.forEach((k, v) -> main.putValue("Plugin-" + Character.toUpperCase(k.charAt(0)) + k.substring(1), v));
    }
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file, manifest)) {
      Set<String> written = new HashSet<>();
      written.add("META-INF/MANIFEST.MF");
      if (descriptor && !manifestDescriptor) {
        StringBuilder properties = new StringBuilder();
        descriptorEntries.forEach((k, v) -> properties.append("plugin.").append(k).append('=').append(v).append('\n'));
        put(out, written, "plugin.properties", properties.toString().getBytes());
      }
      StringBuilder index = new StringBuilder();
      for (Class<?> extension : extensions) {
        index.append(extension.getName()).append('\n');
      }
      if (!extensions.isEmpty()) {
        put(out, written, "META-INF/extensions.idx", index.toString().getBytes());
      }
      for (Class<?> type : classes) {
        for (Map.Entry<String, byte[]> classFile : classFiles(type).entrySet()) {
          put(out, written, classFile.getKey(), classFile.getValue());
        }
      }
      for (Path library : bundled) {
        try (JarFile in = new JarFile(library.toFile())) {
          Enumeration<JarEntry> entries = in.entries();
          while (entries.hasMoreElements()) {
            JarEntry entry = entries.nextElement();
            if (!entry.isDirectory() && !entry.getName().endsWith("module-info.class")) {
              try (InputStream bytes = in.getInputStream(entry)) {
                put(out, written, entry.getName(), bytes.readAllBytes());
              }
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return jar;
  }

  private static void put(JarOutputStream out, Set<String> written, String name, byte[] bytes) throws IOException {
    if (written.add(name)) {
      out.putNextEntry(new JarEntry(name));
      out.write(bytes);
      out.closeEntry();
    }
  }

  /**
   * The class files of {@code type} and of its nested classes, by entry name, from wherever the
   * class path has them (a classes directory, or a jar under {@code mvn verify}).
   */
  private static Map<String, byte[]> classFiles(Class<?> type) throws IOException {
    URL url = type.getResource(type.getSimpleName() + ".class");
    String folder = type.getPackageName().replace('.', '/');
    Map<String, byte[]> files = new LinkedHashMap<>();
    if (url.getProtocol().equals("jar")) {
      Path jar = Path.of(((JarURLConnection) url.openConnection()).getJarFileURL().getPath());
      try (FileSystem zip = FileSystems.newFileSystem(jar)) {
        collect(zip.getPath(folder), type, folder, files);
      }
    } else {
      try {
        collect(Path.of(url.toURI()).getParent(), type, folder, files);
      } catch (URISyntaxException e) {
        throw new IllegalStateException(e);
      }
    }
    return files;
  }

  private static void collect(Path directory, Class<?> type, String folder, Map<String, byte[]> files) throws IOException {
    files.put(folder + "/" + type.getSimpleName() + ".class", Files.readAllBytes(directory.resolve(type.getSimpleName() + ".class")));
    try (DirectoryStream<Path> nested = Files.newDirectoryStream(directory, type.getSimpleName() + "$*.class")) {
      for (Path file : nested) {
        files.put(folder + "/" + file.getFileName(), Files.readAllBytes(file));
      }
    }
  }
}

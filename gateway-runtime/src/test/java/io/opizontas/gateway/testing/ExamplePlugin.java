package io.opizontas.gateway.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/** The example third-party plugin ({@code plugins/example-greeting}), installed for tests. */
public final class ExamplePlugin {

  /** Its plugin id. */
  public static final String ID = "example-greeting";

  private ExamplePlugin() {}

  /**
   * Installs the example plugin's jar into {@code plugins}. Under {@code mvn verify} the reactor
   * hands over the packaged jar; under {@code mvn test} the module is only compiled, so its classes
   * directory (descriptor, classes and extension index: the jar's whole content) is packed here, as
   * the jar plugin would.
   */
  public static void install(Path plugins) throws IOException {
    Path built = Path.of(System.getProperty("example.plugin"));
    Path target = plugins.resolve("example-greeting.jar");
    if (Files.isRegularFile(built)) {
      Files.copy(built, target, StandardCopyOption.REPLACE_EXISTING);
      return;
    }
    if (!Files.isRegularFile(built.resolve("plugin.properties"))) {
      throw new IllegalStateException("the example plugin is not built at " + built);
    }
    try (OutputStream file = Files.newOutputStream(target);
        JarOutputStream jar = new JarOutputStream(file);
        Stream<Path> files = Files.walk(built)) {
      files.filter(Files::isRegularFile).forEach(f -> {
        try {
          jar.putNextEntry(new JarEntry(built.relativize(f).toString().replace('\\', '/')));
          jar.write(Files.readAllBytes(f));
          jar.closeEntry();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}

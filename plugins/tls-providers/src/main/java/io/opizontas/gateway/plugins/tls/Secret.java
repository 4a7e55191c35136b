package io.opizontas.gateway.plugins.tls;

import io.opizontas.gateway.api.PluginConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A password named by the configuration but never written in it: {@code <name>_env} names an
 * environment variable, {@code <name>_file} a file whose content (trailing line breaks dropped) is
 * the password, as secrets are mounted in containers. A plain {@code <name>} key is refused, so a
 * password never lands in a TOML file that is committed or logged.
 */
final class Secret {

  private Secret() {}

  /** The keys {@link #read} may read for {@code name}. */
  static String[] keys(String name) {
    return new String[] {name, name + "_env", name + "_file"};
  }

  /**
   * The password {@code name} points at, or empty when neither key is set.
   *
   * @param env the process environment (tests pass their own)
   * @param home what a relative {@code <name>_file} is under: the gateway's home
   */
  static Optional<char[]> read(PluginConfig config, String name, java.util.function.Function<String, String> env,
      Path home) {
    if (config.string(name).isPresent()) {
      throw config.invalid(name, "passwords are never written in the configuration: name an environment variable with "
          + name + "_env or a file with " + name + "_file");
    }
    Optional<String> variable = config.string(name + "_env");
    Optional<String> file = config.string(name + "_file");
    if (variable.isPresent() && file.isPresent()) {
      throw config.invalid(name + "_file", "give " + name + "_env or " + name + "_file, not both");
    }
    if (variable.isPresent()) {
      String value = env.apply(variable.get());
      if (value == null) {
        throw config.invalid(name + "_env", "environment variable " + variable.get() + " is not set");
      }
      return Optional.of(value.toCharArray());
    }
    if (file.isPresent()) {
      try {
        String text = Files.readString(home.resolve(file.get()), StandardCharsets.UTF_8);
        return Optional.of(text.replaceAll("[\\r\\n]+$", "").toCharArray());
      } catch (IOException e) {
        throw config.invalid(name + "_file", "cannot read " + file.get() + ": " + e);
      }
    }
    return Optional.empty();
  }
}

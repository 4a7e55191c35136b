package io.opizontas.gateway.plugins.tls;

import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.TlsMaterial;
import io.opizontas.gateway.api.TlsProvider;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.pf4j.Extension;

/**
 * {@code pem-files}: a certificate chain, its private key and a CA bundle from PEM files, reloaded
 * when they change.
 *
 * <pre>
 * provider = "pem-files"
 * cert = "conf/tls/gateway.crt"        # chain, leaf first; with key, or neither (trust only)
 * key = "conf/tls/gateway.key"         # PKCS#8 or PKCS#1/SEC1, RSA or EC, encrypted or not
 * key_password_env = "GATEWAY_KEY_PASSWORD"   # or key_password_file; never key_password
 * ca = "conf/tls/ca.crt"               # the authorities the peer must chain to
 * watch_interval = "1s"                # "0s": never reload
 * </pre>
 */
@Extension
public final class PemFilesProvider implements TlsProvider {

  static final Duration DEFAULT_WATCH_INTERVAL = Duration.ofSeconds(1);

  private final Function<String, String> env;
  private FileWatch watch;

  public PemFilesProvider() {
    this(System::getenv);
  }

  PemFilesProvider(Function<String, String> env) {
    this.env = env;
  }

  @Override
  public String id() {
    return "pem-files";
  }

  @Override
  public TlsMaterial start(PluginConfig config, PluginContext context, Consumer<TlsMaterial> rotations)
      throws Exception {
    List<String> allowed = new ArrayList<>(List.of("cert", "key", "ca", "watch_interval"));
    allowed.addAll(List.of(Secret.keys("key_password")));
    config.allowKeys(allowed.toArray(String[]::new));
    // Relative paths mean what the gateway's own do: under its home.
    Optional<Path> cert = config.string("cert").map(context.home()::resolve);
    Optional<Path> key = config.string("key").map(context.home()::resolve);
    Optional<Path> ca = config.string("ca").map(context.home()::resolve);
    if (cert.isPresent() != key.isPresent()) {
      throw config.invalid(cert.isPresent() ? "key" : "cert", "cert and key come together: give both, or neither");
    }
    if (cert.isEmpty() && ca.isEmpty()) {
      throw config.invalid("cert", "give cert and key, ca, or all three");
    }
    char[] password = Secret.read(config, "key_password", env, context.home()).orElse(null);
    Duration interval = config.duration("watch_interval", DEFAULT_WATCH_INTERVAL);
    List<Path> files = new ArrayList<>();
    cert.ifPresent(files::add);
    key.ifPresent(files::add);
    ca.ifPresent(files::add);
    FileWatch.Loader loader = () -> load(cert.orElse(null), key.orElse(null), ca.orElse(null), password);
    // Stamps first, so a change during the initial load is picked up by the first poll.
    FileWatch started = FileWatch.start(files, interval, context.scheduler(), loader, rotations, context.logger(),
        "pem-files " + files);
    try {
      TlsMaterial material = loader.load();
      watch = started;
      return material;
    } catch (Exception e) {
      started.close();
      throw e;
    }
  }

  static TlsMaterial load(Path cert, Path key, Path ca, char[] password) throws Exception {
    List<X509Certificate> chain = List.of();
    PrivateKey privateKey = null;
    if (cert != null) {
      chain = PemFiles.certificates(cert);
      privateKey = PemFiles.privateKey(key, password);
      KeyPairCheck.requireMatch(privateKey, chain.get(0));
    }
    List<X509Certificate> trusted = ca == null ? List.of() : PemFiles.certificates(ca);
    return new TlsMaterial(privateKey, chain, trusted);
  }

  @Override
  public void close() {
    if (watch != null) {
      watch.close();
    }
  }
}

package io.opizontas.gateway.plugins.tls;

import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.TlsMaterial;
import io.opizontas.gateway.api.TlsProvider;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.pf4j.Extension;

/**
 * {@code keystore}: the key and chain from a PKCS#12 key store, the trusted authorities from a
 * PKCS#12 trust store, both read by the JDK and reloaded when the files change.
 *
 * <pre>
 * provider = "keystore"
 * keystore = "conf/tls/gateway.p12"
 * keystore_password_env = "KEYSTORE_PASSWORD"  # or keystore_password_file; never in the TOML
 * key_password_env = "KEY_PASSWORD"            # optional: the key's own password, else the store's
 * alias = "gateway"                            # optional when the store holds one key
 * truststore = "conf/tls/trust.p12"            # optional; its certificate entries are trusted
 * truststore_password_env = "TRUST_PASSWORD"   # optional: an unprotected trust store needs none
 * watch_interval = "1s"
 * </pre>
 */
@Extension
public final class KeystoreProvider implements TlsProvider {

  private final Function<String, String> env;
  private FileWatch watch;

  public KeystoreProvider() {
    this(System::getenv);
  }

  KeystoreProvider(Function<String, String> env) {
    this.env = env;
  }

  @Override
  public String id() {
    return "keystore";
  }

  @Override
  public TlsMaterial start(PluginConfig config, PluginContext context, Consumer<TlsMaterial> rotations)
      throws Exception {
    List<String> allowed = new ArrayList<>(List.of("keystore", "alias", "truststore", "watch_interval"));
    Collections.addAll(allowed, Secret.keys("keystore_password"));
    Collections.addAll(allowed, Secret.keys("key_password"));
    Collections.addAll(allowed, Secret.keys("truststore_password"));
    config.allowKeys(allowed.toArray(String[]::new));
    // Relative paths mean what the gateway's own do: under its home.
    Optional<Path> keystore = config.string("keystore").map(context.home()::resolve);
    Optional<Path> truststore = config.string("truststore").map(context.home()::resolve);
    if (keystore.isEmpty() && truststore.isEmpty()) {
      throw config.invalid("keystore", "give keystore, truststore, or both");
    }
    char[] storePassword = Secret.read(config, "keystore_password", env, context.home()).orElse(null);
    if (keystore.isPresent() && storePassword == null) {
      throw config.invalid("keystore_password_env", "a PKCS#12 key store needs its password: "
          + "give keystore_password_env or keystore_password_file");
    }
    char[] keyPassword = Secret.read(config, "key_password", env, context.home()).orElse(storePassword);
    char[] trustPassword = Secret.read(config, "truststore_password", env, context.home()).orElse(null);
    Optional<String> alias = config.string("alias");
    Duration interval = config.duration("watch_interval", PemFilesProvider.DEFAULT_WATCH_INTERVAL);
    List<Path> files = new ArrayList<>();
    keystore.ifPresent(files::add);
    truststore.ifPresent(files::add);
    FileWatch.Loader loader = () -> load(keystore.orElse(null), storePassword, keyPassword, alias.orElse(null),
        truststore.orElse(null), trustPassword);
    FileWatch started = FileWatch.start(files, interval, context.scheduler(), loader, rotations, context.logger(),
        "keystore " + files);
    try {
      TlsMaterial material = loader.load();
      watch = started;
      return material;
    } catch (Exception e) {
      started.close();
      throw e;
    }
  }

  private static TlsMaterial load(Path keystore, char[] storePassword, char[] keyPassword, String alias,
      Path truststore, char[] trustPassword) throws Exception {
    PrivateKey key = null;
    List<X509Certificate> chain = List.of();
    if (keystore != null) {
      KeyStore store = open(keystore, storePassword);
      String chosen = alias == null ? onlyKeyAlias(store, keystore) : alias;
      Key found = store.getKey(chosen, keyPassword);
      if (!(found instanceof PrivateKey privateKey)) {
        throw new GeneralSecurityException(keystore + " holds no private key under alias '" + chosen + "'");
      }
      key = privateKey;
      List<X509Certificate> certificates = new ArrayList<>();
      for (Certificate certificate : store.getCertificateChain(chosen)) {
        certificates.add((X509Certificate) certificate);
      }
      chain = certificates;
      KeyPairCheck.requireMatch(key, chain.get(0));
    }
    List<X509Certificate> trusted = new ArrayList<>();
    if (truststore != null) {
      KeyStore store = open(truststore, trustPassword);
      for (String entry : Collections.list(store.aliases())) {
        if (store.isCertificateEntry(entry)) {
          trusted.add((X509Certificate) store.getCertificate(entry));
        }
      }
      if (trusted.isEmpty()) {
        throw new GeneralSecurityException(truststore + " holds no trusted certificate entry");
      }
    }
    return new TlsMaterial(key, chain, trusted);
  }

  private static KeyStore open(Path file, char[] password) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      store.load(in, password);
    }
    return store;
  }

  private static String onlyKeyAlias(KeyStore store, Path file) throws GeneralSecurityException {
    List<String> keys = new ArrayList<>();
    for (String alias : Collections.list(store.aliases())) {
      if (store.isKeyEntry(alias)) {
        keys.add(alias);
      }
    }
    if (keys.size() != 1) {
      throw new GeneralSecurityException(file + " holds " + keys.size() + " keys " + keys + ": choose one with alias");
    }
    return keys.get(0);
  }

  @Override
  public void close() {
    if (watch != null) {
      watch.close();
    }
  }
}

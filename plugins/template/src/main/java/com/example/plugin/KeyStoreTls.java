package com.example.plugin;

import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.TlsMaterial;
import io.opizontas.gateway.api.TlsProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.pf4j.Extension;

/** A key and its chain from a PKCS#12 file, announced again whenever the file changes. */
@Extension
public final class KeyStoreTls implements TlsProvider {

  private Future<?> reloads;

  @Override
  public String id() {
    return "pkcs12-file";
  }

  @Override
  public TlsMaterial start(PluginConfig config, PluginContext context, Consumer<TlsMaterial> rotations)
      throws Exception {
    config.allowKeys("file", "password", "reload_interval");
    Path file = context.home().resolve(config.requiredString("file"));
    char[] password = config.string("password", "").toCharArray();
    long[] loaded = {Files.getLastModifiedTime(file).toMillis()};
    TlsMaterial first = load(file, password); // throws: the gateway does not start without its TLS
    long every = config.duration("reload_interval", Duration.ofSeconds(10)).toMillis();
    reloads = context.scheduler().scheduleWithFixedDelay(() -> {
      try {
        long modified = Files.getLastModifiedTime(file).toMillis();
        if (modified != loaded[0]) {
          rotations.accept(load(file, password)); // new connections use it; open ones keep theirs
          loaded[0] = modified;
        }
      } catch (Exception e) { // a half-copied file: keep the current material, try again later
        context.logger().warn("Keeping the current key: cannot load {}: {}", file, e.toString());
      }
    }, every, every, TimeUnit.MILLISECONDS);
    return first;
  }

  private static TlsMaterial load(Path file, char[] password) throws Exception {
    KeyStore store = KeyStore.getInstance(file.toFile(), password);
    for (String alias : Collections.list(store.aliases())) {
      if (store.isKeyEntry(alias)) {
        PrivateKey key = (PrivateKey) store.getKey(alias, password);
        List<X509Certificate> chain =
            Arrays.stream(store.getCertificateChain(alias)).map(X509Certificate.class::cast).toList();
        return new TlsMaterial(key, chain, List.of()); // no client certificates to verify
      }
    }
    throw new IllegalArgumentException(file + " holds no private key");
  }

  @Override
  public void close() {
    reloads.cancel(false);
  }
}

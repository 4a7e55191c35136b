package io.opizontas.gateway.tls;

import io.opizontas.gateway.api.TlsMaterial;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Hands {@link TlsMaterial} to Jetty's {@link SslContextFactory} as in-memory key and trust stores:
 * providers own parsing and files, Jetty owns the TLS engine.
 */
final class KeyStores {

  /** The in-memory key store's password; the store never leaves this process. */
  private static final String PASSWORD = "in-memory";
  private static final String ALIAS = "key";

  private KeyStores() {}

  /**
   * Puts {@code material} into {@code factory}: its key and chain (if any) and its trusted
   * authorities (none: the JDK's default trust store).
   */
  static void apply(TlsMaterial material, SslContextFactory factory) throws GeneralSecurityException {
    try {
      KeyStore keys = null;
      if (material.hasKey()) {
        keys = empty();
        keys.setKeyEntry(ALIAS, material.privateKey(), PASSWORD.toCharArray(),
            material.certificateChain().toArray(X509Certificate[]::new));
      }
      factory.setKeyStore(keys);
      factory.setKeyStorePassword(keys == null ? null : PASSWORD);
      factory.setKeyManagerPassword(keys == null ? null : PASSWORD);
      factory.setTrustStore(trust(material.trustedCertificates()));
    } catch (java.io.IOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyStore trust(List<X509Certificate> authorities) throws GeneralSecurityException, java.io.IOException {
    if (authorities.isEmpty()) {
      return null;
    }
    KeyStore trust = empty();
    for (int i = 0; i < authorities.size(); i++) {
      trust.setCertificateEntry("ca-" + i, authorities.get(i));
    }
    return trust;
  }

  private static KeyStore empty() throws GeneralSecurityException, java.io.IOException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    return store;
  }
}

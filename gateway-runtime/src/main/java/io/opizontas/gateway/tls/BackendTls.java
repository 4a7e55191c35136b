package io.opizontas.gateway.tls;

import io.opizontas.gateway.api.TlsMaterial;
import java.security.KeyStore;
import java.security.cert.CRL;
import java.util.Collection;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of TLS to backends for one provider and one expected identity: Jetty's {@link
 * SslContextFactory.Client} with the provider's key (mutual TLS when it has one), its trusted
 * authorities, modern protocols only, and the backend's identity checked by {@link PeerIdentity}.
 * New material replaces the TLS context for new connections; established sessions keep theirs.
 */
final class BackendTls {

  private static final Logger LOG = LoggerFactory.getLogger(BackendTls.class);

  private final String name;
  private final SslContextFactory.Client factory;

  /**
   * @param name     what log lines call it, such as the provider and where it was configured
   * @param identity the identity every backend must carry, or null for each endpoint's host name
   */
  BackendTls(String name, TlsMaterial material, String identity) throws Exception {
    this.name = name;
    this.factory = new SslContextFactory.Client() {
      @Override
      protected TrustManager[] getTrustManagers(KeyStore trustStore, Collection<? extends CRL> crls) throws Exception {
        TrustManager[] managers = super.getTrustManagers(trustStore, crls);
        if (managers == null) {
          // No configured authorities: the JDK's default trust store, still with the identity check.
          TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
          defaults.init((KeyStore) null);
          managers = defaults.getTrustManagers();
        }
        TrustManager[] checked = managers.clone();
        for (int i = 0; i < checked.length; i++) {
          if (checked[i] instanceof X509ExtendedTrustManager chain) {
            checked[i] = new PeerIdentity(chain, identity);
          }
        }
        return checked;
      }

      /** PeerIdentity checks the backend's name, so Jetty's warning about no HTTPS check is moot. */
      @Override
      protected void checkEndPointIdentificationAlgorithm() {}
    };
    // PeerIdentity checks the name (and knows URIs); the JDK's HTTPS check would run as well.
    factory.setEndpointIdentificationAlgorithm(null);
    ModernTls.apply(factory);
    KeyStores.apply(material, factory);
  }

  SslContextFactory.Client factory() {
    return factory;
  }

  /** New connections use {@code material} from now on; a failure keeps the current one. */
  void rotate(TlsMaterial material) {
    try {
      factory.reload(f -> {
        try {
          KeyStores.apply(material, f);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      LOG.info("Backend TLS ({}): new connections use the rotated material", name);
    } catch (Exception e) {
      LOG.warn("Backend TLS ({}): the rotated material cannot be used; keeping the current one: {}", name,
          e.getMessage());
    }
  }
}

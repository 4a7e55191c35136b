package io.opizontas.gateway.tls;

import io.opizontas.gateway.api.TlsMaterial;
import io.opizontas.gateway.config.ListenerTlsConfig;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of TLS on the client listener: Jetty's {@link SslContextFactory.Server} with the
 * provider's key and chain, modern protocols only, and client certificates asked for or required
 * as {@code client_auth} says, verified against the provider's authorities. Rotation replaces the
 * TLS context for new connections; established ones keep the material they were made with.
 */
public final class ListenerTls {

  private static final Logger LOG = LoggerFactory.getLogger(ListenerTls.class);

  private final SslContextFactory.Server factory;

  private ListenerTls(SslContextFactory.Server factory) {
    this.factory = factory;
  }

  /**
   * Makes the listener's TLS context from the provider {@code config} names.
   *
   * @param provider starts the provider and hands rotations to the consumer it is given
   * @throws IllegalArgumentException when the material cannot serve a listener (no key, or client
   *     certificates asked for with no authority to verify them)
   */
  public static ListenerTls start(ListenerTlsConfig config, UpstreamTls.ProviderStarter provider) throws Exception {
    SslContextFactory.Server factory = new SslContextFactory.Server();
    ModernTls.apply(factory);
    switch (config.clientAuth()) {
      case REQUIRE -> factory.setNeedClientAuth(true);
      case OPTIONAL -> factory.setWantClientAuth(true);
      case NONE -> { }
    }
    ListenerTls tls = new ListenerTls(factory);
    Consumer<TlsMaterial> rotations = tls::rotate;
    TlsMaterial material = provider.start(config.provider(), rotations);
    check(material, config);
    KeyStores.apply(material, factory);
    return tls;
  }

  private static void check(TlsMaterial material, ListenerTlsConfig config) {
    String where = "[server.tls] provider '" + config.provider().plugin() + "' (" + config.provider().origin() + ")";
    if (!material.hasKey()) {
      throw new IllegalArgumentException(where + " gave no key and certificate: a TLS listener must present one");
    }
    if (config.clientAuth() != ListenerTlsConfig.ClientAuth.NONE && material.trustedCertificates().isEmpty()) {
      throw new IllegalArgumentException(where + " gave no certificate authorities, so client_auth = \""
          + config.clientAuth().name().toLowerCase(java.util.Locale.ROOT)
          + "\" could verify no client certificate: configure the provider's CA bundle");
    }
  }

  /** The context for Jetty's {@code SslConnectionFactory}. */
  public SslContextFactory.Server factory() {
    return factory;
  }

  /** Logs each failed handshake once, with the client's address and the reason. */
  public SslHandshakeListener handshakeLog() {
    return new SslHandshakeListener() {
      @Override
      public void handshakeFailed(Event event, Throwable failure) {
        SSLEngine engine = event.getSSLEngine();
        LOG.info("TLS handshake with client {} failed: {}", engine.getPeerHost() + ":" + engine.getPeerPort(),
            failure.getMessage());
      }
    };
  }

  private void rotate(TlsMaterial material) {
    if (!material.hasKey()) {
      LOG.warn("The listener's TLS provider announced material without a key; keeping the current one");
      return;
    }
    try {
      factory.reload(f -> {
        try {
          KeyStores.apply(material, f);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      LOG.info("Listener TLS: new connections use the rotated certificate {}",
          material.certificateChain().get(0).getSubjectX500Principal().getName());
    } catch (Exception e) {
      LOG.warn("Listener TLS: the rotated material cannot be used; keeping the current one: {}", e.getMessage());
    }
  }
}

package io.opizontas.gateway.tls;

import io.opizontas.gateway.api.TlsMaterial;
import io.opizontas.gateway.config.ListenerTlsConfig;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.CRL;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.function.Consumer;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
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
  /** Verifies client certificates where they are used; replaced on rotation. */
  private volatile X509TrustManager clientTrust;

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
    // With "optional", a certificate that does not verify must not fail the handshake (the client
    // is served as one without a certificate); the registration API verifies it where it is used
    // (verifyClient) and answers UNAUTHENTICATED naming why.
    SslContextFactory.Server factory = config.clientAuth() == ListenerTlsConfig.ClientAuth.OPTIONAL
        ? new SslContextFactory.Server() {
          @Override
          protected TrustManager[] getTrustManagers(KeyStore trustStore, Collection<? extends CRL> crls)
              throws Exception {
            TrustManager[] managers = super.getTrustManagers(trustStore, crls);
            return managers == null ? null : new TrustManager[] {new AnyClientCertificate()};
          }
        }
        : new SslContextFactory.Server();
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
    tls.clientTrust = clientTrust(material);
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

  /**
   * Whether {@code chain} (leaf first, as the client presented it) chains to the listener's current
   * authorities and is valid now.
   *
   * @return null when it verifies, else why not
   */
  public String verifyClient(X509Certificate[] chain) {
    X509TrustManager trust = clientTrust;
    if (trust == null) {
      return "the TLS listener trusts no client certificate authority";
    }
    try {
      trust.checkClientTrusted(chain, chain[0].getPublicKey().getAlgorithm());
      return null;
    } catch (CertificateException | RuntimeException e) {
      String reason = e.getMessage();
      for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
        if (cause instanceof java.security.cert.CertificateExpiredException) {
          reason = "the certificate has expired (" + cause.getMessage() + ")";
        } else if (cause instanceof java.security.cert.CertificateNotYetValidException) {
          reason = "the certificate is not valid yet (" + cause.getMessage() + ")";
        }
      }
      return reason;
    }
  }

  private static X509TrustManager clientTrust(TlsMaterial material) throws Exception {
    if (material.trustedCertificates().isEmpty()) {
      return null;
    }
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    for (int i = 0; i < material.trustedCertificates().size(); i++) {
      trust.setCertificateEntry("ca-" + i, material.trustedCertificates().get(i));
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    for (TrustManager manager : factory.getTrustManagers()) {
      if (manager instanceof X509TrustManager x509) {
        return x509;
      }
    }
    return null;
  }

  /**
   * For {@code client_auth = "optional"}: lets any client certificate through the handshake. Whoever
   * uses a client's certificate verifies it with {@link #verifyClient}; server checks are not made
   * here (the listener is never a TLS client).
   */
  private static final class AnyClientCertificate extends X509ExtendedTrustManager {

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      throw new CertificateException("the listener verifies no servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("the listener verifies no servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("the listener verifies no servers");
    }

    /**
     * None: the certificate request names no authority. Clients pick the certificate to send by the
     * authorities named there, so a client whose certificate another authority signed would send
     * none, and could not be told why it is refused.
     */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
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
      clientTrust = clientTrust(material);
      LOG.info("Listener TLS: new connections use the rotated certificate {}",
          material.certificateChain().get(0).getSubjectX500Principal().getName());
    } catch (Exception e) {
      LOG.warn("Listener TLS: the rotated material cannot be used; keeping the current one: {}", e.getMessage());
    }
  }
}

package io.opizontas.gateway.tls;

import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The protocol versions and cipher suites both legs allow: TLS 1.3 and 1.2, with forward-secret
 * AEAD suites only (what Mozilla's "intermediate" profile and RFC 9113's HTTP/2 requirements leave).
 * A TLS 1.1 client, or one offering only CBC or RSA key exchange suites, fails its handshake.
 */
final class ModernTls {

  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private static final String[] CIPHER_SUITES = {
      "TLS_AES_128_GCM_SHA256",
      "TLS_AES_256_GCM_SHA384",
      "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
  };

  private ModernTls() {}

  static void apply(SslContextFactory factory) {
    factory.setIncludeProtocols(PROTOCOLS);
    factory.setIncludeCipherSuites(CIPHER_SUITES);
    // HTTP/2 clients pick from the server's order only if the server asks; ours is strongest first.
    factory.setUseCipherSuitesOrder(true);
    factory.setRenegotiationAllowed(false);
  }
}

package io.opizontas.gateway.api;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * Key material and trust for one side of TLS: the gateway's listener, or its connections to
 * backends. Immutable.
 *
 * @param privateKey          the key of the first certificate of {@code certificateChain}, or null
 *                            when this side presents no certificate (upstream TLS without client
 *                            authentication)
 * @param certificateChain    the certificate presented, leaf first; empty exactly when {@code
 *                            privateKey} is null
 * @param trustedCertificates the certificate authorities the peer's certificate must chain to. For
 *                            the listener they verify client certificates, which the listener's
 *                            {@code client_auth} setting asks for or requires (it refuses to start
 *                            asking for them with no authority to check them against); for
 *                            upstreams, empty means the JDK's default trust store
 */
public record TlsMaterial(
    PrivateKey privateKey, List<X509Certificate> certificateChain, List<X509Certificate> trustedCertificates) {

  /** Freezes the lists and checks that the key and the chain come together. */
  public TlsMaterial {
    certificateChain = List.copyOf(Objects.requireNonNull(certificateChain, "certificateChain"));
    trustedCertificates = List.copyOf(Objects.requireNonNull(trustedCertificates, "trustedCertificates"));
    if ((privateKey == null) != certificateChain.isEmpty()) {
      throw new IllegalArgumentException("a private key needs a certificate chain, and a chain needs its key");
    }
  }

  /** Whether this side presents a certificate. */
  public boolean hasKey() {
    return privateKey != null;
  }
}

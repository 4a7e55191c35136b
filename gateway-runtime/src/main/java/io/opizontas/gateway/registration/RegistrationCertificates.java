package io.opizontas.gateway.registration;

import io.opizontas.gateway.config.RegistrationCertificate;
import io.opizontas.gateway.tls.ClientCertificates;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Turns a verified client certificate into the caller's scope ({@code [[registration.certificates]]}):
 * the first entry whose identity the certificate names among its subject alternative names.
 */
final class RegistrationCertificates {

  private record Known(String identity, ServiceScope scope) {}

  private final List<Known> known;

  RegistrationCertificates(List<RegistrationCertificate> certificates) {
    this.known = certificates.stream()
        .map(c -> new Known(c.identity(),
            new ServiceScope(c.services(), c.addresses(), "the certificate of '" + c.identity() + "'")))
        .toList();
  }

  boolean isEmpty() {
    return known.isEmpty();
  }

  /**
   * The scope of a caller whose certificate verified.
   *
   * @throws Denied when it names no configured identity
   */
  ServiceScope authorize(X509Certificate certificate) throws Denied {
    List<String> names;
    try {
      names = ClientCertificates.names(certificate);
    } catch (CertificateException e) {
      throw new Denied("the client certificate's names cannot be read: " + e.getMessage());
    }
    for (Known entry : known) {
      for (String name : names) {
        if (name.equalsIgnoreCase(entry.identity())) {
          return entry.scope();
        }
      }
    }
    throw new Denied("the client certificate (" + certificate.getSubjectX500Principal().getName() + ", names "
        + names + ") matches no [[registration.certificates]] identity");
  }

  /** A certificate that verified but may register nothing; the message is safe to send back. */
  static final class Denied extends Exception {
    private static final long serialVersionUID = 1L;

    Denied(String message) {
      super(message, null, false, false);
    }
  }
}

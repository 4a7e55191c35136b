package io.opizontas.gateway.config;

import java.util.List;
import java.util.Objects;

/**
 * An instance that may register by its client certificate instead of a token ({@code
 * [[registration.certificates]]}), when it reaches the registration API over the TLS listener.
 *
 * @param identity  a subject alternative name the certificate must carry: a DNS name, an IP address
 *                  or a URI such as a SPIFFE ID
 * @param services  service-name patterns it may register and watch, as for tokens
 * @param addresses host patterns ({@code *} matches any run) its endpoints may have: an instance
 *                  cannot register an address it does not own
 */
public record RegistrationCertificate(String identity, List<String> services, List<String> addresses) {

  public RegistrationCertificate {
    Objects.requireNonNull(identity, "identity");
    if (identity.isBlank()) {
      throw new IllegalArgumentException("identity is empty");
    }
    services = List.copyOf(services);
    addresses = List.copyOf(addresses);
    if (services.isEmpty()) {
      throw new IllegalArgumentException("services is empty: the certificate could register nothing");
    }
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("addresses is empty: the certificate could register no endpoint");
    }
  }
}

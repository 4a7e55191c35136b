package io.opizontas.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The gateway-hosted registration API ({@code [registration]}, {@code [[registration.tokens]]}).
 *
 * @param enabled  whether the gateway serves {@code opizontas.registry.v1.Registry}
 * @param backend  the plugin id of the configured registry that stores registrations ({@code
 *                 "memory"} or {@code "zookeeper"}); when no {@code [[registries]]} entry names it,
 *                 one is added with default settings
 * @param leaseTtl how long a registration lives without a keep-alive
 * @param tokens   who may register what, by bearer token; when empty and no certificate is
 *                 configured either, the gateway makes a token for the run and logs it
 * @param certificates who may register what, by client certificate over the TLS listener
 */
public record RegistrationConfig(
    boolean enabled, String backend, Duration leaseTtl, List<RegistrationToken> tokens,
    List<RegistrationCertificate> certificates) {

  public RegistrationConfig {
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(leaseTtl, "leaseTtl");
    if (backend.isBlank()) {
      throw new IllegalArgumentException("registration.backend is empty");
    }
    if (leaseTtl.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(
          "registration.lease_ttl " + leaseTtl + " is below 1s: keep-alives could not keep up");
    }
    tokens = List.copyOf(tokens);
    certificates = List.copyOf(certificates);
  }

  /** A section without certificate-bound registration. */
  public RegistrationConfig(boolean enabled, String backend, Duration leaseTtl, List<RegistrationToken> tokens) {
    this(enabled, backend, leaseTtl, tokens, List.of());
  }

  /** The embedded default: on, in memory, 30 s leases, no tokens. */
  public static RegistrationConfig defaults() {
    return new RegistrationConfig(true, "memory", Duration.ofSeconds(30), List.of());
  }
}

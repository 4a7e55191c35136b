package io.opizontas.gateway.config;

import java.util.Objects;
import java.util.Optional;

/**
 * Where the gateway speaks TLS: the TLS listener ({@code [server.tls]}, absent when clients speak
 * h2c only) and the backend leg ({@code [upstream.tls]}).
 */
public record TlsConfig(Optional<ListenerTlsConfig> listener, UpstreamTlsConfig upstream) {

  private static final TlsConfig NONE = new TlsConfig(Optional.empty(), UpstreamTlsConfig.plaintext());

  public TlsConfig {
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(upstream, "upstream");
  }

  /** h2c on both legs. */
  public static TlsConfig none() {
    return NONE;
  }
}

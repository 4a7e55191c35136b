package io.opizontas.gateway.config;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The TLS listener ({@code [server.tls]}): h2 over TLS with ALPN on its own address, next to the
 * h2c one of {@code [server]}, with the same HTTP/2 settings and data path.
 *
 * @param listen     address to accept TLS connections on
 * @param provider   the TLS provider ({@code provider = "pem-files"}) as {@link PluginSection#plugin()}
 *                   and its options as the section's settings
 * @param clientAuth whether clients are asked for a certificate
 */
public record ListenerTlsConfig(InetSocketAddress listen, PluginSection provider, ClientAuth clientAuth) {

  public ListenerTlsConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(clientAuth, "clientAuth");
  }

  /** {@code client_auth}: what the listener asks of clients. */
  public enum ClientAuth {
    /** No client certificate is asked for. */
    NONE,
    /** A certificate is asked for and verified when given; clients without one are served too. */
    OPTIONAL,
    /** Mutual TLS: a client without a certificate the provider's authorities signed is refused. */
    REQUIRE
  }
}

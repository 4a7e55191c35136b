package io.opizontas.gateway.config;

import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The admin listener ({@code [admin]}, {@code [[admin.tokens]]}, {@code [admin.tls]}): HTTP/1.1 on
 * its own address, apart from the gRPC listeners, serving {@code /healthz}, {@code /metrics} and
 * whatever else is mounted on it.
 *
 * @param listen       address to accept HTTP/1.1 on, or empty when {@code listen = "off"}; by
 *                     default {@code 127.0.0.1:9901}, this machine only
 * @param tokenSha256s lower-case hex SHA-256 of each bearer token that may use the admin paths, as
 *                     {@code [[registration.tokens]]} keeps them: without any, {@code /healthz} and
 *                     {@code /metrics} are open and every other admin path is refused (403)
 * @param tls          HTTPS instead of plain HTTP ({@code [admin.tls]}), on {@code listen}; with
 *                     {@code client_auth = "require"}, mutual TLS
 */
public record AdminConfig(Optional<InetSocketAddress> listen, List<String> tokenSha256s,
    Optional<ListenerTlsConfig> tls) {

  /** The default admin address. */
  public static final InetSocketAddress DEFAULT_LISTEN = new InetSocketAddress("127.0.0.1", 9901);

  private static final AdminConfig OFF = new AdminConfig(Optional.empty(), List.of());

  public AdminConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(tls, "tls");
    if (tls.isPresent() && listen.isEmpty()) {
      throw new IllegalArgumentException("admin.tls needs an admin listener, and listen is \"off\"");
    }
    tokenSha256s = tokenSha256s.stream().map(RegistrationToken::checkedSha256).toList();
    Set<String> seen = new HashSet<>();
    for (String sha256 : tokenSha256s) {
      if (!seen.add(sha256)) {
        throw new IllegalArgumentException("sha256 is listed twice");
      }
    }
  }

  /** An admin listener speaking plain HTTP. */
  public AdminConfig(Optional<InetSocketAddress> listen, List<String> tokenSha256s) {
    this(listen, tokenSha256s, Optional.empty());
  }

  /** The section when the file has none: listening on {@link #DEFAULT_LISTEN}, no tokens. */
  public static AdminConfig defaults() {
    return new AdminConfig(Optional.of(DEFAULT_LISTEN), List.of());
  }

  /** No admin listener ({@code listen = "off"}). */
  public static AdminConfig off() {
    return OFF;
  }
}

package io.opizontas.gateway.registration;

import io.opizontas.gateway.config.RegistrationToken;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns the {@code authorization} metadata of a registration call into the caller's scope. Tokens
 * are known only by their SHA-256, so the configuration holds no secret.
 */
final class RegistrationTokens {

  private static final String BEARER = "Bearer ";

  private final Map<String, ServiceScope> bySha256;

  RegistrationTokens(List<RegistrationToken> tokens) {
    this.bySha256 =
        tokens.stream()
            .collect(
                Collectors.toUnmodifiableMap(
                    RegistrationToken::sha256,
                    t -> new ServiceScope(t.services()),
                    (a, b) -> {
                      throw new IllegalArgumentException("two registration tokens have the same sha256");
                    }));
  }

  /**
   * The scope of the caller presenting {@code authorization}.
   *
   * @throws Rejected naming what is wrong (missing header, not a bearer token, unknown token)
   */
  ServiceScope authenticate(String authorization) throws Rejected {
    if (authorization == null) {
      throw new Rejected("missing 'authorization: Bearer <token>' metadata");
    }
    if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw new Rejected("authorization metadata is not a Bearer token");
    }
    ServiceScope scope = bySha256.get(sha256(authorization.substring(BEARER.length()).trim()));
    if (scope == null) {
      throw new Rejected("unknown registration token");
    }
    return scope;
  }

  static String sha256(String token) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** A caller that cannot be authenticated; the message is safe to send back. */
  static final class Rejected extends Exception {
    private static final long serialVersionUID = 1L;

    Rejected(String message) {
      super(message, null, false, false);
    }
  }
}

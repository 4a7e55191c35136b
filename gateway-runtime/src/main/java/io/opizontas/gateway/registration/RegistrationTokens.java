package io.opizontas.gateway.registration;

import io.opizontas.gateway.config.RegistrationToken;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Turns the {@code authorization} metadata of a registration call into the caller's scope. Tokens
 * are known only by their SHA-256, so the configuration holds no secret.
 *
 * <p>The presented token's hash is compared with every configured hash in constant time ({@link
 * MessageDigest#isEqual}), without stopping at a match, as the token-auth filter does: the time
 * taken says nothing about which hash matched, or how much of one.
 */
final class RegistrationTokens {

  private static final String BEARER = "Bearer ";

  private record Known(byte[] sha256, ServiceScope scope) {}

  private final List<Known> known;

  RegistrationTokens(List<RegistrationToken> tokens) {
    Set<String> seen = new HashSet<>();
    for (RegistrationToken token : tokens) {
      if (!seen.add(token.sha256())) {
        throw new IllegalArgumentException("two registration tokens have the same sha256");
      }
    }
    this.known = tokens.stream()
        .map(t -> new Known(HexFormat.of().parseHex(t.sha256()), new ServiceScope(t.services())))
        .toList();
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
    byte[] hash = digest(authorization.substring(BEARER.length()).trim());
    ServiceScope match = null;
    for (Known token : known) {
      // Every hash is compared, even after a match: the time taken must not depend on the position.
      if (MessageDigest.isEqual(token.sha256(), hash) && match == null) {
        match = token.scope();
      }
    }
    if (match == null) {
      throw new Rejected("unknown registration token");
    }
    return match;
  }

  static String sha256(String token) {
    return HexFormat.of().formatHex(digest(token));
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
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

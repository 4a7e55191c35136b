package io.opizontas.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Bearer tokens known only by their SHA-256 (lower-case hex, as the configuration keeps them:
 * {@code [[registration.tokens]]}, {@code [[admin.tokens]]}), each granting a {@code T}.
 *
 * <p>The presented token's hash is compared with every known hash in constant time ({@link
 * MessageDigest#isEqual}), without stopping at a match, as the token-auth filter does: the time
 * taken says nothing about which hash matched, or how much of one.
 *
 * @param <T> what a token grants
 */
public final class BearerTokens<T> {

  private static final String BEARER = "Bearer ";

  private record Known<T>(byte[] sha256, T grant) {}

  private final List<Known<T>> known;
  private final String kind;

  /**
   * @param grants what each token grants, by the hex SHA-256 of the token
   * @param kind   the tokens' name in messages, such as "registration"
   */
  public BearerTokens(Map<String, T> grants, String kind) {
    List<Known<T>> all = new ArrayList<>(grants.size());
    grants.forEach((sha256, grant) -> all.add(new Known<>(HexFormat.of().parseHex(sha256), grant)));
    this.known = List.copyOf(all);
    this.kind = kind;
  }

  /** Whether no token is known: every caller would be refused. */
  public boolean isEmpty() {
    return known.isEmpty();
  }

  /**
   * What the caller presenting {@code authorization} (the header or metadata value) is granted.
   *
   * @throws Rejected naming what is wrong (missing, not a bearer token, unknown token)
   */
  public T authenticate(String authorization) throws Rejected {
    if (authorization == null) {
      throw new Rejected("missing 'authorization: Bearer <token>'");
    }
    if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw new Rejected("authorization is not a Bearer token");
    }
    byte[] hash = digest(authorization.substring(BEARER.length()).trim());
    T match = null;
    for (Known<T> token : known) {
      // Every hash is compared, even after a match: the time taken must not depend on the position.
      if (MessageDigest.isEqual(token.sha256(), hash) && match == null) {
        match = token.grant();
      }
    }
    if (match == null) {
      throw new Rejected("unknown " + kind + " token");
    }
    return match;
  }

  /** The lower-case hex SHA-256 of {@code token}, as the configuration writes it. */
  public static String sha256(String token) {
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
  public static final class Rejected extends Exception {
    private static final long serialVersionUID = 1L;

    public Rejected(String message) {
      super(message, null, false, false);
    }
  }
}

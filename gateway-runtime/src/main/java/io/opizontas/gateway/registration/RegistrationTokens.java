package io.opizontas.gateway.registration;

import io.opizontas.gateway.auth.BearerTokens;
import io.opizontas.gateway.config.RegistrationToken;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the {@code authorization} metadata of a registration call into the caller's scope. Tokens
 * are known only by their SHA-256, so the configuration holds no secret ({@link BearerTokens}).
 */
final class RegistrationTokens {

  private final BearerTokens<ServiceScope> tokens;

  RegistrationTokens(List<RegistrationToken> tokens) {
    Map<String, ServiceScope> scopes = new LinkedHashMap<>();
    for (RegistrationToken token : tokens) {
      if (scopes.put(token.sha256(), new ServiceScope(token.services())) != null) {
        throw new IllegalArgumentException("two registration tokens have the same sha256");
      }
    }
    this.tokens = new BearerTokens<>(scopes, "registration");
  }

  /**
   * The scope of the caller presenting {@code authorization}.
   *
   * @throws BearerTokens.Rejected naming what is wrong (missing header, not a bearer token, unknown token)
   */
  ServiceScope authenticate(String authorization) throws BearerTokens.Rejected {
    return tokens.authenticate(authorization);
  }

  static String sha256(String token) {
    return BearerTokens.sha256(token);
  }
}

package io.opizontas.gateway.config;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One caller allowed to use the registration API ({@code [[registration.tokens]]}). The token itself
 * is never stored: only its SHA-256, so a leaked configuration file does not leak credentials.
 *
 * @param sha256   lower-case hex SHA-256 of the token the caller sends as {@code authorization:
 *                 Bearer <token>} ({@code printf %s "$TOKEN" | sha256sum})
 * @param services service-name patterns the token may register and watch; {@code *} matches any
 *                 run of characters, so {@code "post.*"} covers every service of package {@code
 *                 post}, and {@code "*"} everything
 */
public record RegistrationToken(String sha256, List<String> services) {

  private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");

  public RegistrationToken {
    sha256 = checkedSha256(sha256);
    services = List.copyOf(services);
    if (services.isEmpty()) {
      throw new IllegalArgumentException("services is empty: the token could register nothing");
    }
    for (String pattern : services) {
      if (pattern.isBlank()) {
        throw new IllegalArgumentException("services has an empty pattern");
      }
    }
  }

  /**
   * {@code sha256} in lower case, the one form every token hash of the configuration takes
   * (registration and admin tokens alike).
   *
   * @throws IllegalArgumentException when it is not 64 hex digits
   */
  static String checkedSha256(String sha256) {
    Objects.requireNonNull(sha256, "sha256");
    String lower = sha256.toLowerCase(Locale.ROOT);
    if (!HEX_SHA256.matcher(lower).matches()) {
      throw new IllegalArgumentException("sha256 is not 64 hex digits (the SHA-256 of the token)");
    }
    return lower;
  }
}

package io.opizontas.gateway.registration;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What one caller may do: the service names it may register and watch, and the hosts its endpoints
 * may have, as glob patterns where {@code *} matches any run.
 */
final class ServiceScope {

  private final List<String> patterns;
  private final List<Pattern> services;
  private final List<Pattern> addresses;
  private final String caller;

  /** A token's scope: its services, at any address. */
  ServiceScope(List<String> patterns) {
    this(patterns, List.of("*"), "the token");
  }

  /**
   * @param caller who the scope belongs to, as refusals name it ("the token", "the certificate of
   *               'spiffe://corp/cart'")
   */
  ServiceScope(List<String> patterns, List<String> addresses, String caller) {
    this.patterns = List.copyOf(patterns);
    this.services = compile(patterns);
    this.addresses = compile(addresses);
    this.caller = caller;
  }

  private static List<Pattern> compile(List<String> globs) {
    List<Pattern> result = new ArrayList<>(globs.size());
    for (String glob : globs) {
      StringBuilder regex = new StringBuilder();
      for (String literal : glob.split("\\*", -1)) {
        if (regex.length() > 0) {
          regex.append(".*");
        }
        regex.append(Pattern.quote(literal));
      }
      result.add(Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE));
    }
    return List.copyOf(result);
  }

  boolean permits(String service) {
    return matchesAny(services, service);
  }

  /** Whether endpoints at {@code host} may be registered. */
  boolean permitsAddress(String host) {
    return matchesAny(addresses, host);
  }

  /** Who this scope belongs to, for refusals. */
  String caller() {
    return caller;
  }

  private static boolean matchesAny(List<Pattern> patterns, String text) {
    for (Pattern pattern : patterns) {
      if (pattern.matcher(text).matches()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return patterns.toString();
  }
}

package io.opizontas.gateway.config;

import io.opizontas.gateway.api.ServicePattern;
import java.util.List;
import java.util.Objects;

/**
 * TLS to backends ({@code [upstream.tls]}): a default and per-service rules. As in {@code
 * [balancing]}, the most specific pattern that matches a service decides for it (the first written
 * among equally specific ones).
 *
 * @param defaults the settings of services no rule matches; plaintext when nothing is configured
 * @param services the {@code [[upstream.tls.services]]} rules, in file order
 */
public record UpstreamTlsConfig(Settings defaults, List<Rule> services) {

  private static final UpstreamTlsConfig PLAINTEXT = new UpstreamTlsConfig(new Settings(null, null, false), List.of());

  public UpstreamTlsConfig {
    Objects.requireNonNull(defaults, "defaults");
    services = List.copyOf(services);
  }

  /** Plaintext (h2c) to every backend: what a gateway without {@code [upstream.tls]} does. */
  public static UpstreamTlsConfig plaintext() {
    return PLAINTEXT;
  }

  /** The settings for {@code service}: the most specific matching rule's, else the defaults. */
  public Settings settingsFor(String service) {
    Rule best = null;
    for (Rule rule : services) {
      if (rule.pattern().matches(service)
          && (best == null || rule.pattern().specificity() > best.pattern().specificity())) {
        best = rule;
      }
    }
    return best == null ? defaults : best.settings();
  }

  /**
   * How calls reach the backends of a service.
   *
   * @param provider the TLS provider and its options, or null for plaintext. Rules that name no
   *                 provider share the default's section (the same instance), so they share its
   *                 provider and key material
   * @param identity the name the backend's certificate must carry (a SAN DNS name, IP address or URI
   *                 such as a SPIFFE ID), or null for the host name the endpoint was registered with
   * @param require  refuse to send these calls in plaintext: with no provider they fail UNAVAILABLE
   */
  public record Settings(PluginSection provider, String identity, boolean require) {

    /** Whether calls go over TLS. */
    public boolean tls() {
      return provider != null;
    }
  }

  /** One {@code [[upstream.tls.services]]} entry. */
  public record Rule(ServicePattern pattern, Settings settings) {}
}

package io.opizontas.gateway.tls;

import io.opizontas.gateway.api.TlsMaterial;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.config.UpstreamTlsConfig;
import io.opizontas.gateway.discovery.EndpointTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * How the gateway reaches each service's backends ({@code [upstream.tls]}): plaintext, TLS with a
 * given provider and expected identity, or refused because the service requires TLS and none is
 * configured for it. Providers are started once per configured section; each distinct provider and
 * identity gets one TLS context, shared by every service that uses them.
 */
public final class UpstreamTls {

  private static final Leg PLAINTEXT = new Leg(null, null, "h2c");

  /** Starts a provider named by a section, announcing rotations to a consumer (the plugins do it). */
  @FunctionalInterface
  public interface ProviderStarter {
    TlsMaterial start(PluginSection provider, Consumer<TlsMaterial> rotations);
  }

  private final UpstreamTlsConfig config;
  private final Map<UpstreamTlsConfig.Settings, Leg> bySettings;
  private final Map<String, Leg> byService = new ConcurrentHashMap<>();
  private final List<SslContextFactory.Client> factories;

  private UpstreamTls(UpstreamTlsConfig config, Map<UpstreamTlsConfig.Settings, Leg> bySettings,
      List<SslContextFactory.Client> factories) {
    this.config = config;
    this.bySettings = bySettings;
    this.factories = List.copyOf(factories);
  }

  /** Starts the providers {@code config} names and makes the TLS contexts; throws when one cannot start. */
  public static UpstreamTls start(UpstreamTlsConfig config, ProviderStarter providers) throws Exception {
    List<UpstreamTlsConfig.Settings> all = new ArrayList<>();
    all.add(config.defaults());
    config.services().forEach(rule -> all.add(rule.settings()));
    Map<PluginSection, List<BackendTls>> rotated = new IdentityHashMap<>();
    Map<PluginSection, TlsMaterial> materials = new IdentityHashMap<>();
    Map<UpstreamTlsConfig.Settings, Leg> legs = new IdentityHashMap<>();
    Map<PluginSection, Map<String, Leg>> shared = new IdentityHashMap<>();
    List<SslContextFactory.Client> factories = new ArrayList<>();
    for (UpstreamTlsConfig.Settings settings : all) {
      if (!settings.tls()) {
        legs.put(settings, settings.require() ? refused() : PLAINTEXT);
        continue;
      }
      PluginSection provider = settings.provider();
      if (!materials.containsKey(provider)) {
        List<BackendTls> contexts = new CopyOnWriteArrayList<>();
        rotated.put(provider, contexts);
        materials.put(provider, providers.start(provider, material -> contexts.forEach(tls -> tls.rotate(material))));
      }
      Map<String, Leg> byIdentity = shared.computeIfAbsent(provider, p -> new HashMap<>());
      Leg leg = byIdentity.get(settings.identity());
      if (leg == null) {
        String name = "provider '" + provider.plugin() + "' (" + provider.origin() + ")";
        BackendTls tls = new BackendTls(name, materials.get(provider), settings.identity());
        rotated.get(provider).add(tls);
        factories.add(tls.factory());
        leg = new Leg(tls.factory(), null, "TLS via " + name
            + (settings.identity() == null ? "" : ", identity " + settings.identity()));
        byIdentity.put(settings.identity(), leg);
      }
      legs.put(settings, leg);
    }
    return new UpstreamTls(config, legs, factories);
  }

  private static Leg refused() {
    return new Leg(null, "TLS is required ([upstream.tls] require = true) but no TLS provider is configured for it;"
        + " the gateway never sends its calls in plaintext", "refused");
  }

  /**
   * How calls to {@code service} reach its backends. Quick: decided once per service. The gateway's
   * own services run on loopback servers of the gateway, in plaintext, whatever the configuration
   * says of backends.
   */
  public Leg legFor(String service) {
    if (EndpointTable.GATEWAY_SERVICES.contains(service)) {
      return PLAINTEXT;
    }
    Leg leg = byService.get(service);
    if (leg == null) {
      leg = byService.computeIfAbsent(service, s -> bySettings.getOrDefault(config.settingsFor(s), PLAINTEXT));
    }
    return leg;
  }

  /** The TLS contexts to start and stop with the backend sessions. */
  public List<SslContextFactory.Client> factories() {
    return factories;
  }

  /**
   * One way of reaching backends. Sessions are kept per endpoint and leg, so a plaintext session
   * and a TLS one (or two with different identities) are never shared.
   *
   * @param ssl         the TLS context, or null for h2c
   * @param refusal     why calls are refused, or null when they may be sent
   * @param description what log lines and errors call it
   */
  public record Leg(SslContextFactory.Client ssl, String refusal, String description) {

    /** Equal only to itself: two legs never share sessions. */
    @Override
    public boolean equals(Object other) {
      return this == other;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(this);
    }

    @Override
    public String toString() {
      return Objects.toString(description);
    }
  }
}

package io.opizontas.gateway.config;

import java.util.List;
import java.util.Objects;

/**
 * The whole gateway configuration, immutable, as read from TOML (see {@code README.md},
 * "Configuration reference"). Every section has defaults, so an empty file runs.
 */
public record GatewayConfig(
    ServerConfig server,
    UpstreamConfig upstream,
    PluginsConfig plugins,
    List<PluginSection> registries,
    List<PluginSection> chain,
    RegistrationConfig registration,
    BalancingConfig balancing,
    TlsConfig tls,
    HealthConfig health,
    AdminConfig admin,
    ReloadConfig reload) {

  public GatewayConfig {
    registries = List.copyOf(registries);
    chain = List.copyOf(chain);
    Objects.requireNonNull(registration, "registration");
    Objects.requireNonNull(balancing, "balancing");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(health, "health");
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(reload, "reload");
  }

  /**
   * Every section at its default, with the admin listener off: the start of a configuration built in
   * code (tests, embedding), which binds no port it was not given. Change sections with the {@code
   * with} methods.
   */
  public static GatewayConfig embedded() {
    return new GatewayConfig(ServerConfig.defaults(), UpstreamConfig.defaults(), PluginsConfig.defaults(), List.of(),
        List.of(), RegistrationConfig.defaults(), BalancingConfig.defaults(), TlsConfig.none(),
        HealthConfig.defaults(), AdminConfig.off(), ReloadConfig.defaults());
  }

  /**
   * The embedded default, which {@code opizontas run} runs when given no {@code --config}: every
   * section at its default, no registries configured (the registration API's in-memory registry is
   * implied), an empty chain, the admin listener on its default address. This method is the one
   * place that defines it. (A configuration file starts from the section defaults, not from this.)
   */
  public static GatewayConfig defaults() {
    return embedded().withAdmin(AdminConfig.defaults());
  }

  /** This configuration with another {@code [server]} section. */
  public GatewayConfig withServer(ServerConfig server) {
    return new GatewayConfig(server, upstream, plugins, registries, chain, registration, balancing, tls, health, admin,
        reload);
  }

  /** This configuration with another {@code [upstream]} section. */
  public GatewayConfig withUpstream(UpstreamConfig upstream) {
    return new GatewayConfig(server, upstream, plugins, registries, chain, registration, balancing, tls, health, admin,
        reload);
  }

  /** This configuration with another {@code [plugins]} section. */
  public GatewayConfig withPlugins(PluginsConfig plugins) {
    return new GatewayConfig(server, upstream, plugins, registries, chain, registration, balancing, tls, health, admin,
        reload);
  }

  /** This configuration with other {@code [[registries]]} entries. */
  public GatewayConfig withRegistries(List<PluginSection> registries) {
    return new GatewayConfig(server, upstream, plugins, registries, chain, registration, balancing, tls, health, admin,
        reload);
  }

  /** This configuration with other {@code [[chain]]} entries. */
  public GatewayConfig withChain(List<PluginSection> chain) {
    return new GatewayConfig(server, upstream, plugins, registries, chain, registration, balancing, tls, health, admin,
        reload);
  }

  /** This configuration with another {@code [registration]} section. */
  public GatewayConfig withRegistration(RegistrationConfig registration) {
    return new GatewayConfig(server, upstream, plugins, registries, chain, registration, balancing, tls, health, admin,
        reload);
  }

  /** This configuration with another {@code [balancing]} section. */
  public GatewayConfig withBalancing(BalancingConfig balancing) {
    return new GatewayConfig(server, upstream, plugins, registries, chain, registration, balancing, tls, health, admin,
        reload);
  }

  /** This configuration with another {@code [health]} section. */
  public GatewayConfig withHealth(HealthConfig health) {
    return new GatewayConfig(server, upstream, plugins, registries, chain, registration, balancing, tls, health, admin,
        reload);
  }

  /** This configuration with another {@code [admin]} section. */
  public GatewayConfig withAdmin(AdminConfig admin) {
    return new GatewayConfig(server, upstream, plugins, registries, chain, registration, balancing, tls, health, admin,
        reload);
  }

  /** This configuration with another {@code [reload]} section. */
  public GatewayConfig withReload(ReloadConfig reload) {
    return new GatewayConfig(server, upstream, plugins, registries, chain, registration, balancing, tls, health, admin,
        reload);
  }
}

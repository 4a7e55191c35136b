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
   * A configuration without the admin listener and with the default {@code [reload]} section: built
   * in code (tests, embedding), it binds no port it was not given.
   */
  public GatewayConfig(
      ServerConfig server,
      UpstreamConfig upstream,
      PluginsConfig plugins,
      List<PluginSection> registries,
      List<PluginSection> chain,
      RegistrationConfig registration,
      BalancingConfig balancing,
      TlsConfig tls,
      HealthConfig health) {
    this(server, upstream, plugins, registries, chain, registration, balancing, tls, health, AdminConfig.off(),
        ReloadConfig.defaults());
  }

  /** A configuration with the default {@code [health]} section. */
  public GatewayConfig(
      ServerConfig server,
      UpstreamConfig upstream,
      PluginsConfig plugins,
      List<PluginSection> registries,
      List<PluginSection> chain,
      RegistrationConfig registration,
      BalancingConfig balancing,
      TlsConfig tls) {
    this(server, upstream, plugins, registries, chain, registration, balancing, tls, HealthConfig.defaults());
  }

  /** A configuration without TLS (h2c on both legs) and with the default {@code [health]} section. */
  public GatewayConfig(
      ServerConfig server,
      UpstreamConfig upstream,
      PluginsConfig plugins,
      List<PluginSection> registries,
      List<PluginSection> chain,
      RegistrationConfig registration,
      BalancingConfig balancing) {
    this(server, upstream, plugins, registries, chain, registration, balancing, TlsConfig.none(), HealthConfig.defaults());
  }

  /** A configuration with the default {@code [balancing]} section. */
  public GatewayConfig(
      ServerConfig server,
      UpstreamConfig upstream,
      PluginsConfig plugins,
      List<PluginSection> registries,
      List<PluginSection> chain,
      RegistrationConfig registration) {
    this(server, upstream, plugins, registries, chain, registration, BalancingConfig.defaults());
  }

  /** A configuration with the default {@code [registration]} section. */
  public GatewayConfig(
      ServerConfig server,
      UpstreamConfig upstream,
      PluginsConfig plugins,
      List<PluginSection> registries,
      List<PluginSection> chain) {
    this(server, upstream, plugins, registries, chain, RegistrationConfig.defaults(), BalancingConfig.defaults());
  }

  /**
   * The embedded default, which {@code opizontas run} runs when given no {@code --config}: every
   * section at its default, no registries configured (the registration API's in-memory registry is
   * implied), an empty chain, the admin listener on its default address. This method is the one
   * place that defines it. (A configuration file starts from the section defaults, not from this.)
   */
  public static GatewayConfig defaults() {
    return new GatewayConfig(
        ServerConfig.defaults(), UpstreamConfig.defaults(), PluginsConfig.defaults(), List.of(), List.of())
        .withAdmin(AdminConfig.defaults());
  }

  /** This configuration with another {@code [plugins]} section. */
  public GatewayConfig withPlugins(PluginsConfig plugins) {
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

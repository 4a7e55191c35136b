package io.opizontas.gateway.config;

import java.util.List;

/**
 * The whole gateway configuration, immutable, as read from TOML (see {@code README.md},
 * "Configuration reference"). Every section has defaults, so an empty file runs.
 */
public record GatewayConfig(
    ServerConfig server,
    UpstreamConfig upstream,
    PluginsConfig plugins,
    List<PluginSection> registries,
    List<PluginSection> chain) {

  public GatewayConfig {
    registries = List.copyOf(registries);
    chain = List.copyOf(chain);
  }

  /**
   * The embedded default, which {@code opizontas run} runs when given no {@code --config}: every
   * section at its default, no registries, an empty chain. This method is the one place that defines
   * it. (A configuration file starts from the section defaults, not from this.)
   */
  public static GatewayConfig defaults() {
    return new GatewayConfig(
        ServerConfig.defaults(), UpstreamConfig.defaults(), PluginsConfig.defaults(), List.of(), List.of());
  }

  /** This configuration with another {@code [plugins]} section. */
  public GatewayConfig withPlugins(PluginsConfig plugins) {
    return new GatewayConfig(server, upstream, plugins, registries, chain);
  }
}

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

  /** The embedded default: every section at its default, no registries, an empty chain. */
  public static GatewayConfig defaults() {
    return new GatewayConfig(
        ServerConfig.defaults(), UpstreamConfig.defaults(), PluginsConfig.defaults(), List.of(), List.of());
  }
}

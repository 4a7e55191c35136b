/**
 * The plugin contract of Opizontas Gateway: everything a plugin may see of the runtime.
 *
 * <p>Extension points, each a PF4J {@link org.pf4j.ExtensionPoint}: {@link
 * io.opizontas.gateway.api.RegistryBackend}, {@link io.opizontas.gateway.api.BalancingStrategy},
 * {@link io.opizontas.gateway.api.HealthProber}, {@link io.opizontas.gateway.api.TlsProvider} and
 * {@link io.opizontas.gateway.api.CallFilter}. Each is started once with the plugin's own TOML
 * section ({@link io.opizontas.gateway.api.PluginConfig}) and a narrow {@link
 * io.opizontas.gateway.api.PluginContext}, and closed once at shutdown. The runtime owns threads,
 * schedules, timeouts and failure isolation; a plugin is a small piece of policy.
 *
 * <p>A configuration reload (SIGHUP) starts the extensions of the new configuration as fresh
 * instances while the running ones still serve calls, and closes a replaced instance once the
 * calls that started with it are over (at most {@code server.drain_timeout} later): two instances
 * of one extension may run at once for a while. If a new instance's {@code start} throws, the
 * reload is refused and the running instances stay. A {@code [[registries]]} entry whose settings
 * did not change keeps its running instance.
 *
 * <p>Beside the contract, a few pieces of the gateway's own that plugins may reuse: {@link
 * io.opizontas.gateway.api.TablePluginConfig}, the configuration the gateway hands plugins (so a
 * plugin's tests read settings exactly as the gateway does; the {@code gateway-api-testing} kit
 * makes one from TOML text), and the formats of its settings: {@link
 * io.opizontas.gateway.api.Durations}, {@link io.opizontas.gateway.api.Sizes} and {@link
 * io.opizontas.gateway.api.TomlKeys}.
 *
 * <p>This package depends on PF4J only (and SLF4J's {@code Logger}, which PF4J brings). No Jetty,
 * Netty or protobuf type appears here, so plugins compile against {@code gateway-api} alone and keep
 * working when the runtime's internals change. Plugins depend on it with {@code provided} scope and
 * must not bundle it.
 *
 * <p>Unless a method says otherwise, nothing here accepts or returns null.
 */
package io.opizontas.gateway.api;

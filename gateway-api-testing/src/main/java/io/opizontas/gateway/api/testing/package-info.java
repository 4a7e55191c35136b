/**
 * Stand-ins for what the gateway hands a plugin, so that a plugin's unit tests run without a
 * gateway and without any particular test framework.
 *
 * <ul>
 *   <li>{@link io.opizontas.gateway.api.testing.TomlPluginConfig}: a plugin's configuration from a
 *       TOML snippet, read as the gateway reads its file (a map works too: {@link
 *       io.opizontas.gateway.api.TablePluginConfig}'s constructor).
 *   <li>{@link io.opizontas.gateway.api.testing.TestPluginContext}: clock, logger, metrics the test
 *       can read, scheduler, blocking executor, home directory and, when given, endpoint calls.
 *   <li>{@link io.opizontas.gateway.api.testing.RecordingEndpointSink}: what a registry backend
 *       reported, with a bounded wait for a report that comes from another thread.
 *   <li>{@link io.opizontas.gateway.api.testing.TestCall} (with {@link
 *       io.opizontas.gateway.api.testing.TestMetadata}): a call for balancers and filters, its
 *       metadata and attributes set by the test.
 *   <li>{@link io.opizontas.gateway.api.testing.FilterRun}: a filter's verdict on a call, waited for
 *       with a bound.
 * </ul>
 *
 * <p>Depend on {@code io.opizontas:gateway-api-testing} with test scope. Where a stand-in cannot do
 * what the runtime does, its Javadoc says so.
 */
package io.opizontas.gateway.api.testing;

package io.opizontas.gateway.api;

import java.util.function.Consumer;
import org.pf4j.ExtensionPoint;

/**
 * Supplies key material and trust for the gateway's listener or for mutual TLS to backends, and
 * announces when it rotates: PEM files reloaded on change, a key store, a secrets service.
 *
 * <p><b>Life cycle.</b> One instance per configured use ({@code [server.tls]}, {@code
 * [upstream.tls]} and each of its per-service rules that names a provider); {@link #start} once before the gateway accepts connections, {@link #close} once
 * at shutdown. If {@code start} throws, the gateway refuses to start and names the plugin and the
 * cause: a gateway never starts without the TLS it was configured for.
 *
 * <p><b>Rotation.</b> After start, the provider passes each new, complete and validated material to
 * the {@code rotations} consumer, from any thread. The runtime uses it for new connections at once;
 * established connections keep the material they were made with. A provider that fails to load new
 * material keeps the old one, logs the cause, and does not call {@code rotations}.
 */
public interface TlsProvider extends ExtensionPoint {

  /**
   * The name the configuration uses for this provider ({@code provider = "pem-files"}): lower case,
   * unique among the loaded plugins. A plugin may contribute several providers, each with its own
   * id; the gateway refuses to start when two plugins claim one id. Called before {@link #start}, so
   * it must not depend on the configuration.
   */
  String id();

  /**
   * Loads the initial material. May block for a bounded time (reading files, one fetch).
   *
   * @param rotations where to announce material that replaces the current one; keep it for as long
   *                  as the provider runs. Thread-safe, quick.
   * @return the material to start with
   * @throws Exception when no usable material can be loaded; the gateway then refuses to start
   */
  TlsMaterial start(PluginConfig config, PluginContext context, Consumer<TlsMaterial> rotations)
      throws Exception;

  /** Stops watching for rotations. Called once, and only if {@link #start} returned normally; must not throw. */
  default void close() {}
}

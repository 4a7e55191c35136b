package io.opizontas.gateway.server;

import java.util.List;

/**
 * What a configuration reload did.
 *
 * @param applied       whether the new configuration is in use; when false nothing changed
 * @param reason        why it was refused, such as {@code conf/gateway.toml:9: balancing.default: ...};
 *                      null when applied
 * @param restartNeeded the changed settings the gateway keeps until it restarts ({@code server.listen},
 *                      or {@code server.listen (conf/gateway.toml:3)} once placed in the file); the
 *                      rest of the configuration was applied
 */
public record ReloadOutcome(boolean applied, String reason, List<String> restartNeeded) {

  public ReloadOutcome {
    restartNeeded = List.copyOf(restartNeeded);
  }

  static ReloadOutcome applied(List<String> restartNeeded) {
    return new ReloadOutcome(true, null, restartNeeded);
  }

  static ReloadOutcome refused(String reason) {
    return new ReloadOutcome(false, reason, List.of());
  }

  /** This outcome with {@code restartNeeded} in place of its own (placed in the file, say). */
  ReloadOutcome withRestartNeeded(List<String> located) {
    return new ReloadOutcome(applied, reason, located);
  }
}

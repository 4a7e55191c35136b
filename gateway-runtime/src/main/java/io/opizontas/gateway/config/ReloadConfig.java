package io.opizontas.gateway.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How a running gateway re-reads its configuration file besides SIGHUP ({@code [reload]}).
 *
 * @param watch         whether {@code opizontas run --config FILE} watches the file and reloads when it
 *                      changes
 * @param watchInterval how often the file is looked at; a change is applied once the file has stayed
 *                      the same for one interval, so an editor's several writes make one reload
 */
public record ReloadConfig(boolean watch, Duration watchInterval) {

  private static final ReloadConfig DEFAULTS = new ReloadConfig(false, Duration.ofSeconds(1));

  public ReloadConfig {
    Objects.requireNonNull(watchInterval, "watchInterval");
  }

  /** No watch (SIGHUP only); a one-second interval once it is switched on. */
  public static ReloadConfig defaults() {
    return DEFAULTS;
  }
}

package io.opizontas.gateway.server;

import io.opizontas.gateway.config.ConfigException;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.config.RestartSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads a running gateway's configuration file and applies it ({@link Gateway#reload}): what
 * SIGHUP, the file watch ({@code [reload] watch}) and an admin action call. Every outcome is logged,
 * counted in the gateway's metrics ({@code opizontas_config_reloads_total}) and handed to the
 * {@linkplain #subscribe subscribers}. Reloads run one at a time.
 */
public final class ConfigReload {

  private static final Logger LOG = LoggerFactory.getLogger(ConfigReload.class);

  private final Gateway gateway;
  private final Path file;
  private final UnaryOperator<GatewayConfig> resolve;
  private final List<Consumer<ReloadOutcome>> subscribers = new CopyOnWriteArrayList<>();

  /**
   * @param file    the file the gateway was started from
   * @param resolve what the start applied to the file's configuration before using it (such as a
   *                plugins directory resolved against the gateway's home), applied to every reload
   */
  public ConfigReload(Gateway gateway, Path file, UnaryOperator<GatewayConfig> resolve) {
    this.gateway = gateway;
    this.file = file;
    this.resolve = resolve;
    gateway.metrics().ifPresent(metrics -> subscribe(outcome -> metrics.configReloaded(outcome.applied())));
  }

  /** The file reloads read. */
  public Path file() {
    return file;
  }

  /** Calls {@code subscriber} with the outcome of every reload from now on, on the reloading thread. */
  public void subscribe(Consumer<ReloadOutcome> subscriber) {
    subscribers.add(subscriber);
  }

  /**
   * Reads the file and applies it. A file that cannot be read or is refused changes nothing, and
   * the outcome's reason says why with {@code file:line: key}, as at start-up.
   */
  public synchronized ReloadOutcome reload() {
    ReloadOutcome outcome;
    String text;
    try {
      text = Files.readString(file);
      GatewayConfig next = resolve.apply(GatewayConfigReader.read(text, file.toString()));
      outcome = gateway.reload(next);
      if (outcome.applied()) {
        outcome = outcome.withRestartNeeded(RestartSettings.located(outcome.restartNeeded(), text, file.toString()));
      }
    } catch (IOException e) {
      outcome = ReloadOutcome.refused(file + ": cannot be read: " + e);
    } catch (ConfigException e) {
      outcome = ReloadOutcome.refused(e.getMessage());
    }
    log(outcome);
    for (Consumer<ReloadOutcome> subscriber : subscribers) {
      try {
        subscriber.accept(outcome);
      } catch (RuntimeException e) {
        LOG.warn("A reload subscriber failed", e);
      }
    }
    return outcome;
  }

  private void log(ReloadOutcome outcome) {
    if (!outcome.applied()) {
      LOG.error("Configuration reload from {} refused, nothing changed: {}", file, outcome.reason());
      return;
    }
    for (String key : outcome.restartNeeded()) {
      LOG.warn("Configuration reload: needs a restart: {}; the running value stays until then", key);
    }
    LOG.info("Configuration reloaded from {}: routes, registries, balancing, health and the call filter chain"
        + " apply to new calls; calls in flight finish with the configuration they started with", file);
  }
}

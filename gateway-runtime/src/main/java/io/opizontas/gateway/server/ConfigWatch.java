package io.opizontas.gateway.server;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code [reload] watch}: looks at the configuration file every interval and reloads when its
 * content changed and then stayed the same for one more interval, so an editor that writes a file
 * in several steps causes one reload, of the finished file.
 *
 * <p>The file's content is compared, not its modification time: file systems with coarse times,
 * and a Kubernetes ConfigMap (a symbolic link swapped to a new directory), change a file without a
 * new time, or a time without a change. A configuration file is small; reading it once a second
 * costs nothing worth a WatchService, which misses those cases.
 */
public final class ConfigWatch implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ConfigWatch.class);

  private final ConfigReload reload;
  private final ScheduledThreadPoolExecutor timer;
  /** What the running configuration was read from; null when the file could not be read. */
  private byte[] applied;
  /** What the previous look saw. */
  private byte[] seen;

  private ConfigWatch(ConfigReload reload) {
    this.reload = reload;
    this.timer = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread thread = new Thread(runnable, "opizontas-config-watch");
      thread.setDaemon(true);
      return thread;
    });
    this.applied = read();
    this.seen = applied;
  }

  /** Watches the file {@code reload} reads, looking every {@code interval}. */
  public static ConfigWatch start(ConfigReload reload, Duration interval) {
    ConfigWatch watch = new ConfigWatch(reload);
    long period = interval.toNanos();
    // One thread, fixed delay: a reload that takes longer than the interval delays the next look.
    watch.timer.scheduleWithFixedDelay(watch::look, period, period, TimeUnit.NANOSECONDS);
    LOG.info("Watching {} for changes every {} ms ([reload] watch = true)", reload.file(), interval.toMillis());
    return watch;
  }

  private void look() {
    try {
      byte[] now = read();
      boolean settled = Arrays.equals(now, seen);
      seen = now;
      if (now != null && settled && !Arrays.equals(now, applied)) {
        applied = now;
        reload.reload();
      }
    } catch (RuntimeException e) {
      // The timer would stop at the first exception; one failed look must not end the watch.
      LOG.warn("Watching {} failed; still watching", reload.file(), e);
    }
  }

  /** The file's content; null while it cannot be read (being replaced, say), which is no change. */
  private byte[] read() {
    try {
      return Files.readAllBytes(reload.file());
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}

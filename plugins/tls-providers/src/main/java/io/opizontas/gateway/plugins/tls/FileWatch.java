package io.opizontas.gateway.plugins.tls;

import io.opizontas.gateway.api.TlsMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * Watches the files material is read from and announces the material again when they change.
 *
 * <p>Polls their modification time and size on the plugin's scheduler rather than using a {@code
 * WatchService}: mounted secrets (Kubernetes swaps a symlink to a new directory) and network file
 * systems change files without the events a watch service relies on, and a poll every second costs a
 * few {@code stat} calls. A change is loaded in full and checked (the loader throws when the key does
 * not match the chain, as when only one file of a pair was replaced so far); a failed load keeps the
 * old material and is logged once, until the files change again, so a half-written pair is retried
 * when its second file lands.
 */
final class FileWatch implements AutoCloseable {

  /** Loads the material from the files as they are now; throws when they are not a complete, valid set. */
  interface Loader {
    TlsMaterial load() throws Exception;
  }

  private final List<Path> files;
  private final Loader loader;
  private final Consumer<TlsMaterial> rotations;
  private final Logger log;
  private final String what;
  private List<Object> lastSeen;
  private String lastFailure;
  private ScheduledFuture<?> task;

  private FileWatch(List<Path> files, Loader loader, Consumer<TlsMaterial> rotations, Logger log, String what) {
    this.files = List.copyOf(files);
    this.loader = loader;
    this.rotations = rotations;
    this.log = log;
    this.what = what;
    this.lastSeen = stamps();
  }

  /**
   * Starts polling {@code files} every {@code interval} (never when zero). Take the stamps before the
   * initial load, so a change during it is noticed at the first poll.
   */
  static FileWatch start(List<Path> files, Duration interval, ScheduledExecutorService scheduler, Loader loader,
      Consumer<TlsMaterial> rotations, Logger log, String what) {
    FileWatch watch = new FileWatch(files, loader, rotations, log, what);
    if (!interval.isZero()) {
      watch.task = scheduler.scheduleWithFixedDelay(watch::poll, interval.toMillis(), interval.toMillis(),
          TimeUnit.MILLISECONDS);
    }
    return watch;
  }

  private void poll() {
    try {
      List<Object> now = stamps();
      if (now.equals(lastSeen)) {
        return;
      }
      lastSeen = now;
      TlsMaterial material;
      try {
        material = loader.load();
      } catch (Exception e) {
        String failure = String.valueOf(e.getMessage() == null ? e : e.getMessage());
        if (!failure.equals(lastFailure)) {
          lastFailure = failure;
          log.warn("The {} files changed but cannot be used; keeping the current material: {}", what, failure);
        }
        return;
      }
      lastFailure = null;
      log.info("The {} files changed: new connections use the new material", what);
      rotations.accept(material);
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again: keep watching.
      log.warn("Watching the {} files failed once", what, e);
    }
  }

  /** Each file's modification time and size, or a marker when it is missing. */
  private List<Object> stamps() {
    List<Object> stamps = new ArrayList<>(files.size() * 2);
    for (Path file : files) {
      try {
        stamps.add(Files.getLastModifiedTime(file));
        stamps.add(Files.size(file));
      } catch (NoSuchFileException e) {
        stamps.add("missing");
      } catch (IOException e) {
        stamps.add(Objects.toString(e.getMessage()));
      }
    }
    return stamps;
  }

  @Override
  public void close() {
    if (task != null) {
      task.cancel(false);
    }
  }
}

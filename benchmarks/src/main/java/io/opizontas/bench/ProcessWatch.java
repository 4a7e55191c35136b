package io.opizontas.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Watches one Linux process through {@code /proc}: its resident set size, sampled every 100 ms,
 * and its CPU time. A {@link Window} covers one scenario.
 */
final class ProcessWatch implements AutoCloseable {

  /** Clock ticks per second of {@code /proc/PID/stat}: USER_HZ, 100 on every Linux port in use. */
  static final double TICKS_PER_SECOND = 100;
  private static final long SAMPLE_MILLIS = 100;

  private final Path proc;
  private final ScheduledExecutorService sampler;
  private final List<Long> samples = new ArrayList<>();

  ProcessWatch(long pid) {
    this.proc = Path.of("/proc", Long.toString(pid));
    this.sampler = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "rss-" + pid);
      thread.setDaemon(true);
      return thread;
    });
    sampler.scheduleAtFixedRate(this::sample, 0, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void sample() {
    long rss = statusNumber("VmRSS:");
    if (rss >= 0) {
      synchronized (samples) {
        samples.add(rss);
      }
    }
  }

  /** Starts a scenario: resets the kernel's peak-RSS mark, so VmHWM is this scenario's peak. */
  Window begin() {
    boolean peakReset;
    try {
      // "5" resets VmHWM to the current RSS (Linux 4.0+).
      Files.writeString(proc.resolve("clear_refs"), "5");
      peakReset = true;
    } catch (IOException e) {
      // Not permitted here: VmHWM would be the lifetime peak, so only the sampled peak counts.
      peakReset = false;
    }
    synchronized (samples) {
      return new Window(samples.size(), cpuSeconds(), peakReset);
    }
  }

  /** The process's user + system CPU time so far, in seconds. */
  double cpuSeconds() {
    return cpuSeconds(proc);
  }

  /** User + system CPU time so far of the process whose {@code /proc} directory is given. */
  static double cpuSeconds(Path proc) {
    try {
      return cpuTicks(Files.readString(proc.resolve("stat"))) / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** User + system CPU time of a process's or thread's {@code stat} line, in clock ticks. */
  static long cpuTicks(String statLine) {
    // Fields after the command name, which is in parentheses and may hold spaces.
    String[] fields = statLine.substring(statLine.lastIndexOf(')') + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat(5); here they are at 11 and 12.
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  /** The resident set size now, in KiB; -1 once the process has exited. */
  long rssKiB() {
    return statusNumber("VmRSS:");
  }

  /** The process's threads now (the JVM's own included). */
  long threads() {
    return statusNumber("Threads:");
  }

  /** The file descriptors the process holds now (sockets, jars, pipes, epoll); -1 if unreadable. */
  long openFiles() {
    try (java.util.stream.Stream<Path> fds = Files.list(proc.resolve("fd"))) {
      return fds.count();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The soft limit on open files of the process whose {@code /proc} directory is given; -1 if unknown. */
  static long openFilesLimit(Path proc) {
    try {
      for (String line : Files.readAllLines(proc.resolve("limits"))) {
        if (line.startsWith("Max open files")) {
          String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
          return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
        }
      }
    } catch (IOException | RuntimeException e) {
      // Unknown: the caller does not limit itself.
    }
    return -1;
  }

  long openFilesLimit() {
    return openFilesLimit(proc);
  }

  /** A {@code /proc/PID/status} line's number (KiB for sizes, a count for Threads:). */
  private long statusNumber(String key) {
    try {
      for (String line : Files.readAllLines(proc.resolve("status"))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).replace("kB", "").trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      // The process has exited.
    }
    return -1;
  }

  @Override
  public void close() {
    sampler.shutdownNow();
  }

  /** One scenario's share of the watch. */
  final class Window {
    private final int firstSample;
    private final double startCpu;
    private final boolean peakReset;

    private Window(int firstSample, double startCpu, boolean peakReset) {
      this.firstSample = firstSample;
      this.startCpu = startCpu;
      this.peakReset = peakReset;
    }

    /** Ends the scenario: its RSS series and the CPU time the process spent in it. */
    Usage end() {
      sample();
      List<Long> series;
      synchronized (samples) {
        series = List.copyOf(samples.subList(firstSample, samples.size()));
      }
      return new Usage(series, peakReset ? statusNumber("VmHWM:") : -1, cpuSeconds() - startCpu);
    }
  }

  /**
   * What a process used during one scenario.
   *
   * @param rssKiB RSS samples, every 100 ms, in KiB
   * @param peakKiB the kernel's peak RSS mark (VmHWM) for the scenario, in KiB; -1 if it could not be
   *     reset at the start
   * @param cpuSeconds user + system CPU time spent in the scenario
   */
  record Usage(List<Long> rssKiB, long peakKiB, double cpuSeconds) {

    long startKiB() {
      return rssKiB.isEmpty() ? -1 : rssKiB.get(0);
    }

    long endKiB() {
      return rssKiB.isEmpty() ? -1 : rssKiB.get(rssKiB.size() - 1);
    }

    /** The larger of the sampled maximum and VmHWM (which catches spikes between samples). */
    long maxKiB() {
      long max = peakKiB;
      for (long rss : rssKiB) {
        max = Math.max(max, rss);
      }
      return max;
    }

    /** The highest RSS sampled between two fractions (0..1) of the scenario's duration. */
    long maxKiB(double from, double to) {
      long max = -1;
      int first = (int) Math.floor(from * (rssKiB.size() - 1));
      int last = (int) Math.ceil(to * (rssKiB.size() - 1));
      for (int i = Math.max(0, first); i <= last && i < rssKiB.size(); i++) {
        max = Math.max(max, rssKiB.get(i));
      }
      return max;
    }

    /** RSS at a fraction (0..1) of the scenario's duration. */
    long atKiB(double fraction) {
      return rssKiB.isEmpty() ? -1 : rssKiB.get((int) Math.round(fraction * (rssKiB.size() - 1)));
    }
  }
}

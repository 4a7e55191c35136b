package io.opizontas.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The JIT compiler threads of the JVMs on a path (this benchmark's own, which holds the client and
 * the backend, and the proxy's), read from {@code /proc/PID/task/TID/stat}: the CPU they used so
 * far. A path whose rate looks steady while its JITs still compile is on a plateau, not warm (the
 * gateway's rate has settled for several seconds at 21 k calls/s and then reached 32 k).
 *
 * <p>HotSpot names them {@code C1 CompilerThreadN} and {@code C2 CompilerThreadN}, which the kernel
 * cuts to 15 characters. Compiler threads that HotSpot stops take their CPU time with them, so a sum
 * can go down; a caller looks at positive differences only.
 */
final class Compilers {

  private final List<Path> processes;

  private Compilers(List<Path> processes) {
    this.processes = processes;
  }

  /** This JVM's compiler threads and those of {@code pids}. */
  static Compilers of(long... pids) {
    List<Path> processes = new ArrayList<>();
    processes.add(Path.of("/proc", Long.toString(ProcessHandle.current().pid())));
    for (long pid : pids) {
      processes.add(Path.of("/proc", Long.toString(pid)));
    }
    return new Compilers(List.copyOf(processes));
  }

  /** The user and system CPU of the compiler threads alive now, in clock ticks; 0 without {@code /proc}. */
  long ticks() {
    long ticks = 0;
    for (Path process : processes) {
      try (Stream<Path> tasks = Files.list(process.resolve("task"))) {
        for (Path task : (Iterable<Path>) tasks::iterator) {
          ticks += compilerTicks(task.resolve("stat"));
        }
      } catch (NoSuchFileException gone) {
        // The process ended, or this is not Linux: nothing compiles there.
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return ticks;
  }

  private static long compilerTicks(Path stat) {
    String line;
    try {
      line = Files.readString(stat);
    } catch (IOException threadEnded) {
      return 0;
    }
    return parse(line);
  }

  /** utime + stime of one {@code stat} line when its thread is a compiler, else 0. */
  static long parse(String statLine) {
    String name = statLine.substring(statLine.indexOf('(') + 1, statLine.lastIndexOf(')'));
    if (!name.startsWith("C1 CompilerThre") && !name.startsWith("C2 CompilerThre")) {
      return 0;
    }
    return ProcessWatch.cpuTicks(statLine);
  }
}

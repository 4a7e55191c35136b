package io.opizontas.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** When a warm-up calls a path steady, and how it reads the JIT compilers' CPU. */
class WarmUpTest {

  private static final WarmUp UNWATCHED = new WarmUp(Duration.ZERO, Duration.ofSeconds(60));

  @Test
  void ratesWithinFivePercentOverThreeWindowsAreSteady() {
    assertThat(WarmUp.steady(List.of(10.0, 100.0, 97.0, 99.0))).isTrue();
    assertThat(WarmUp.steady(List.of(100.0, 90.0, 99.0))).isFalse();
    assertThat(WarmUp.steady(List.of(100.0, 100.0))).isFalse();
  }

  @Test
  void compilersAreQuietAtMostFivePercentOfACoreOverTheLastThreeWindows() {
    WarmUp watched = UNWATCHED.watching(Compilers.of());

    assertThat(watched.quiet(List.of(80.0, 4.0, 5.0, 6.0))).isTrue();
    assertThat(watched.quiet(List.of(1.0, 14.0, 1.0))).as("a compilation burst in the last windows").isFalse();
    assertThat(watched.quiet(List.of(0.0, 0.0))).as("too few windows").isFalse();
    assertThat(UNWATCHED.quiet(List.of())).as("not watched: the rate alone decides").isTrue();
  }

  @Test
  void aSteadyRateEndsAnUnwatchedWarmUpAfterThreeWindows() throws Exception {
    WarmUp.Outcome outcome = UNWATCHED.untilSteady(() -> 1000.0);

    assertThat(outcome.steady()).isTrue();
    assertThat(outcome.rates()).hasSize(3);
    assertThat(outcome.compiling()).isEmpty();
    assertThat(outcome.lastCompiling()).isNaN();
  }

  @Test
  void aWatchedWarmUpRecordsTheCompilersShareOfEveryWindow() throws Exception {
    WarmUp.Outcome outcome = new WarmUp(Duration.ZERO, Duration.ofMillis(100)).watching(Compilers.of())
        .untilSteady(() -> {
          // A window of 10 ms of work on this thread, so that each has a length to divide by.
          long end = System.nanoTime() + 10_000_000;
          while (System.nanoTime() < end) {
            Thread.onSpinWait();
          }
          return 1000.0;
        });

    assertThat(outcome.compiling()).hasSameSizeAs(outcome.rates())
        .allMatch(share -> Double.isFinite(share) && share >= 0);
  }

  @Test
  void aCompilerThreadsStatLineGivesItsUserAndSystemTicks() {
    String c2 = "4242 (C2 CompilerThre) S 1 4200 4200 0 -1 1077936192 210 0 0 0 1234 56 0 0 20 0 30 0 97 0 0";
    String worker = "4243 (opizontas-1 (x)) S 1 4200 4200 0 -1 1077936192 210 0 0 0 999 99 0 0 20 0 30 0 97 0 0";

    assertThat(Compilers.parse(c2)).isEqualTo(1234 + 56);
    assertThat(Compilers.parse(worker)).isZero();
  }

  @Test
  void thisJdkNamesItsCompilerThreadsAsTheCounterExpects() throws IOException {
    Path tasks = Path.of("/proc", Long.toString(ProcessHandle.current().pid()), "task");
    List<String> names;
    try (Stream<Path> each = Files.list(tasks)) {
      names = each.map(task -> {
        try {
          return Files.readString(task.resolve("comm")).strip();
        } catch (IOException ended) {
          return "";
        }
      }).toList();
    }

    assertThat(names).anyMatch(name -> name.startsWith("C2 CompilerThre"));
    assertThat(names).anyMatch(name -> name.startsWith("C1 CompilerThre"));
  }
}

package io.opizontas.gateway.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's {@code chromium}, headless: loads a page, lets its scripts run for a few seconds of
 * virtual time (network fetches pause that clock, so the page's API reads complete), then dumps the
 * rendered DOM or takes a screenshot. Each run is bounded in real time and uses a fresh profile.
 */
public final class HeadlessChromium {

  private static final List<Path> CANDIDATES =
      List.of(Path.of("/usr/bin/chromium"), Path.of("/usr/bin/chromium-browser"));
  /** Real time a run may take before it is killed and the test fails. */
  private static final long RUN_SECONDS = 90;

  private final Path binary;
  private final Path profile;

  private HeadlessChromium(Path binary, Path profile) {
    this.binary = binary;
    this.profile = profile;
  }

  /**
   * Chromium with its profile under {@code work}. Without it the test fails when the environment
   * says {@code CI=true} (.ci/run installs it, so it missing there is a broken build), and elsewhere
   * is skipped with a message on stderr that says how to install it.
   */
  public static HeadlessChromium require(Path work) {
    for (Path candidate : CANDIDATES) {
      if (Files.isExecutable(candidate)) {
        return new HeadlessChromium(candidate, work.resolve("chromium-profile"));
      }
    }
    String message = "headless Chromium is needed to test the status page in a real browser: none of "
        + CANDIDATES + " exists; install it with `apt-get install -y chromium`";
    if ("true".equals(System.getenv("CI"))) {
      fail(message + " (CI=true: this test must not be skipped)");
    }
    System.err.println("\n*** SKIPPED, " + message + " ***\n");
    Assumptions.abort(message);
    throw new AssertionError("unreachable");
  }

  /** The DOM of {@code page} after its scripts ran for {@code virtualMillis} of virtual time. */
  public String dumpDom(URI page, int virtualMillis) throws IOException, InterruptedException {
    return run(page, virtualMillis, "--dump-dom");
  }

  /** Saves a PNG of {@code page}, 1280x900, after its scripts ran for {@code virtualMillis}. */
  public void screenshot(URI page, int virtualMillis, Path png) throws IOException, InterruptedException {
    Files.createDirectories(png.toAbsolutePath().getParent());
    run(page, virtualMillis, "--screenshot=" + png.toAbsolutePath());
    if (!Files.isRegularFile(png)) {
      fail("chromium wrote no screenshot at " + png);
    }
  }

  private String run(URI page, int virtualMillis, String what) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless",
        // Tests run as root in containers, where Chromium's sandbox cannot start.
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
        "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=1280,900",
        "--virtual-time-budget=" + virtualMillis, what, page.toString()));
    Path log = Files.createTempFile(profile.getParent(), "chromium", ".log");
    // Both streams to files: reading a pipe would block past the time limit if Chromium hung.
    Path out = Files.createTempFile(profile.getParent(), "chromium", ".out");
    Process chromium = new ProcessBuilder(command).redirectError(log.toFile()).redirectOutput(out.toFile()).start();
    if (!chromium.waitFor(RUN_SECONDS, TimeUnit.SECONDS)) {
      chromium.destroyForcibly();
      fail("chromium did not finish within " + RUN_SECONDS + " s: " + Files.readString(log));
    }
    if (chromium.exitValue() != 0) {
      fail("chromium exited with " + chromium.exitValue() + ": " + Files.readString(log));
    }
    return Files.readString(out, StandardCharsets.UTF_8);
  }
}

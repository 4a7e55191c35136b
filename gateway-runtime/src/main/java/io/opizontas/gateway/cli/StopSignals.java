package io.opizontas.gateway.cli;

import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT (Ctrl-C) taken as requests to stop, so that {@code opizontas run} drains on
 * its main thread and exits 0 once the drain is done; SIGHUP taken as a request to reload the
 * configuration, as nginx and most daemons do, instead of the JVM's default (run the shutdown hooks,
 * exit 129).
 *
 * <p>Left to the JVM, these signals run the shutdown hooks and then end the process with 128 + the
 * signal number (143, 130, 129), however cleanly the hooks stopped the gateway. A hook could force 0
 * only with {@code Runtime.halt}, which cuts every other hook short and would also turn a
 * {@code System.exit(1)} into 0. Handling the signals instead leaves the exit code to the command.
 * {@code sun.misc.Signal} lives in the {@code jdk.unsupported} module, which the JDK keeps exported
 * for exactly this kind of use.
 */
final class StopSignals {

  private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);
  private static final String[] NAMES = {"TERM", "INT"};

  private final CountDownLatch requested = new CountDownLatch(1);
  /** What SIGHUP runs; null until the gateway has started. */
  private volatile Runnable hangUp;

  private StopSignals() {}

  /**
   * Handles SIGTERM and SIGINT from now on. A signal the process was started ignoring (SIGINT of a
   * background job) stays ignored. Under {@code -Xrs} the JVM refuses: the signal then ends the
   * process at once, without a drain, and a warning says so at start.
   */
  static StopSignals install() {
    StopSignals signals = new StopSignals();
    for (String name : NAMES) {
      try {
        Signal.handle(new Signal(name), signal -> {
          LOG.info("SIG{} received: stopping once the calls in flight are done", name);
          signals.requested.countDown();
        });
      } catch (IllegalArgumentException refused) {
        LOG.warn("SIG{} cannot be handled ({}; is the JVM running with -Xrs?): it will end the gateway without "
            + "draining its calls", name, refused.getMessage());
      }
    }
    try {
      Signal.handle(new Signal("HUP"), signal -> {
        Runnable action = signals.hangUp;
        if (action == null) {
          LOG.warn("SIGHUP received while the gateway is starting: ignored");
        } else {
          LOG.info("SIGHUP received: reloading the configuration");
          action.run();
        }
      });
    } catch (IllegalArgumentException refused) {
      LOG.warn("SIGHUP cannot be handled ({}; is the JVM running with -Xrs?): it will end the gateway instead of"
          + " reloading its configuration", refused.getMessage());
    }
    return signals;
  }

  /** Runs {@code action} at every SIGHUP from now on, on the signal's own thread. */
  void onHangUp(Runnable action) {
    hangUp = action;
  }

  /** Blocks until SIGTERM or SIGINT arrived. */
  void await() throws InterruptedException {
    requested.await();
  }
}

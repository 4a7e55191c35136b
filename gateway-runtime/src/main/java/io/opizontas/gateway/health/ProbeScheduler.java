package io.opizontas.gateway.health;

import io.opizontas.gateway.api.Durations;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.HealthProber;
import io.opizontas.gateway.api.HealthState;
import io.opizontas.gateway.api.ServicePattern;
import io.opizontas.gateway.config.HealthConfig;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.discovery.ServiceEndpoints;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes every endpoint of every service that a {@code [health]} prober covers, and reports each
 * result to the {@link HealthTable}.
 *
 * <p>Each (service, endpoint) pair has its own schedule: a first probe at a random point of the
 * first interval, so thousands of endpoints do not all go at once, then one probe per interval,
 * each up to a tenth early (jitter that never stretches the time to notice a failure), and never
 * before the previous probe of the pair has its result. The timers
 * run on one thread of their own that no plugin code runs on; {@link HealthProber#probe} runs on the
 * prober's plugin thread. A probe that throws, fails, or has not answered by the timeout counts as
 * UNHEALTHY; its late answer is ignored. So a prober that blocks or hangs fails its own probes and
 * delays nothing else.
 */
public final class ProbeScheduler implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ProbeScheduler.class);

  /**
   * A started prober.
   *
   * @param id     the id the configuration names it by
   * @param prober the plugin's instance
   * @param runsOn where {@link HealthProber#probe} is called: the plugin's own thread
   */
  public record Prober(String id, HealthProber prober, Executor runsOn) {}

  private record Rule(ServicePattern pattern, Prober prober) {}

  private final HealthConfig config;
  private final HealthTable health;
  private final Prober fallback;
  private final List<Rule> rules;
  private final ScheduledThreadPoolExecutor timer;
  /** Each service's probes by endpoint address; replaced under the service's table lock. */
  private final Map<String, Map<String, Probe>> probes = new ConcurrentHashMap<>();
  private final Map<String, Optional<Prober>> proberOf = new ConcurrentHashMap<>();
  private volatile boolean closed;
  private EndpointTable.Subscription following;

  private ProbeScheduler(HealthConfig config, HealthTable health, Prober fallback, List<Rule> rules) {
    this.config = config;
    this.health = health;
    this.fallback = fallback;
    this.rules = List.copyOf(rules);
    this.timer = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread thread = new Thread(runnable, "opizontas-probes");
      thread.setDaemon(true);
      return thread;
    });
    timer.setRemoveOnCancelPolicy(true);
  }

  /**
   * Starts the probers {@code config} names and probes the services they cover from now on; null
   * when {@code config} probes nothing.
   *
   * @param starter starts the prober a section names, or answers null when no plugin has its id
   * @throws io.opizontas.gateway.config.ConfigException naming the file, line and key of an id no
   *     plugin contributes
   */
  public static ProbeScheduler start(HealthConfig config, EndpointTable table, HealthTable health,
      Function<PluginSection, Prober> starter) {
    if (!config.probes()) {
      return null;
    }
    Map<String, Prober> started = new HashMap<>();
    Prober fallback = config.defaultProber() == null ? null : prober(config.defaultProber(), "prober", starter, started);
    List<Rule> rules = new ArrayList<>();
    for (HealthConfig.Rule rule : config.services()) {
      rules.add(new Rule(rule.pattern(), prober(rule.prober(), "prober", starter, started)));
    }
    ProbeScheduler scheduler = new ProbeScheduler(config, health, fallback, rules);
    scheduler.following = table.follow(scheduler::registered);
    LOG.info("Probing endpoints every {} (timeout {}; out after {} failures, back after {} passes)",
        Durations.format(config.interval()), Durations.format(config.timeout()), config.unhealthyThreshold(),
        config.healthyThreshold());
    return scheduler;
  }

  /** Null for "none". A section without options is started once per id and shared. */
  private static Prober prober(PluginSection section, String key, Function<PluginSection, Prober> starter,
      Map<String, Prober> shared) {
    if (HealthConfig.NONE.equals(section.plugin())) {
      return null;
    }
    if (section.settings().isEmpty() && shared.containsKey(section.plugin())) {
      return shared.get(section.plugin());
    }
    Prober prober = starter.apply(section);
    if (prober == null) {
      throw section.keys().refuse(key, "no installed plugin contributes the health prober '" + section.plugin()
          + "' (the built-in plugin 'health-probers' offers grpc-health and tcp; \"none\" probes nothing)");
    }
    if (section.settings().isEmpty()) {
      shared.put(section.plugin(), prober);
    }
    return prober;
  }

  /** Whether this scheduler probes the endpoints of {@code service}. */
  public boolean covers(String service) {
    return !EndpointTable.GATEWAY_SERVICES.contains(service) && proberFor(service) != null;
  }

  /** The prober of the most specific rule matching {@code service} (first written wins a tie), else the default. */
  private Prober proberFor(String service) {
    return proberOf.computeIfAbsent(service, s -> {
      Rule best = null;
      for (Rule rule : rules) {
        if (rule.pattern().matches(s) && (best == null || rule.pattern().specificity() > best.pattern().specificity())) {
          best = rule;
        }
      }
      return Optional.ofNullable(best == null ? fallback : best.prober());
    }).orElse(null);
  }

  /** The service's endpoints changed: probes start for new endpoints and stop for gone ones. */
  private void registered(ServiceEndpoints snapshot) {
    String service = snapshot.service();
    // The gateway's own services run in this process: nothing to find out by probing them.
    Prober prober = EndpointTable.GATEWAY_SERVICES.contains(service) ? null : proberFor(service);
    if (prober == null || closed) {
      return;
    }
    Map<String, Probe> before = probes.getOrDefault(service, Map.of());
    Map<String, Probe> now = new HashMap<>();
    for (int i = 0; i < snapshot.size(); i++) {
      Endpoint endpoint = snapshot.get(i);
      Probe probe = before.get(endpoint.address());
      if (probe == null) {
        probe = new Probe(service, endpoint, prober);
        probe.schedule(ThreadLocalRandom.current().nextLong(config.interval().toNanos()));
      } else {
        probe.endpoint = endpoint;
      }
      now.put(endpoint.address(), probe);
    }
    before.forEach((address, probe) -> {
      if (!now.containsKey(address)) {
        probe.stop();
      }
    });
    probes.put(service, Map.copyOf(now));
  }

  /** A (service, endpoint) pair {@link #probeNow} probed. */
  public record Target(String service, String endpoint) {}

  /**
   * Probes now rather than at the next interval (the admin API's re-probe): each endpoint of {@code
   * service} (every probed service when null) at {@code address} (every endpoint when null). A pair
   * whose probe is running is left to finish it, so two probes of one pair still never overlap; its
   * result is moments away anyway. Results reach the {@link HealthTable} as any probe's do.
   *
   * @return the pairs probed now or already being probed
   */
  public List<Target> probeNow(String service, String address) {
    List<Target> targets = new ArrayList<>();
    probes.forEach((name, byAddress) -> {
      if (service == null || service.equals(name)) {
        byAddress.forEach((at, probe) -> {
          if (address == null || address.equals(at)) {
            probe.now();
            targets.add(new Target(name, at));
          }
        });
      }
    });
    targets.sort(Comparator.comparing(Target::service).thenComparing(Target::endpoint));
    return targets;
  }

  @Override
  public void close() {
    closed = true;
    if (following != null) {
      following.close();
    }
    timer.shutdownNow();
  }

  /** One probe: when it started, what it probes, and whether its result is in. */
  private static final class Attempt {
    final long started;
    final Endpoint target;
    final AtomicBoolean over = new AtomicBoolean();
    volatile ScheduledFuture<?> deadline;

    Attempt(long started, Endpoint target) {
      this.started = started;
      this.target = target;
    }
  }

  /** The probes of one endpoint for one service. */
  private final class Probe {
    private final String service;
    private final Prober prober;
    private volatile Endpoint endpoint;
    private volatile boolean stopped;
    private volatile ScheduledFuture<?> next;

    Probe(String service, Endpoint endpoint, Prober prober) {
      this.service = service;
      this.endpoint = endpoint;
      this.prober = prober;
    }

    void schedule(long delayNanos) {
      if (stopped || closed) {
        return;
      }
      try {
        next = timer.schedule(this::run, delayNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // Closed meanwhile.
      }
    }

    /** Brings the next probe forward to now, unless one is running (its timer already fired). */
    void now() {
      ScheduledFuture<?> task = next;
      // Only one caller can cancel the waiting timer, and a fired one cannot be: no overlap, no twin.
      if (task != null && task.cancel(false)) {
        schedule(0);
      }
    }

    void stop() {
      stopped = true;
      ScheduledFuture<?> task = next;
      if (task != null) {
        task.cancel(false);
      }
    }

    private void run() {
      long started = System.nanoTime();
      Endpoint target = endpoint;
      Duration timeout = config.timeout();
      Attempt attempt = new Attempt(started, target);
      attempt.deadline = timer.schedule(() -> finish(attempt, HealthState.UNHEALTHY,
          "no answer within " + Durations.format(timeout)), timeout.toNanos(), TimeUnit.NANOSECONDS);
      try {
        prober.runsOn().execute(() -> call(attempt, timeout));
      } catch (RuntimeException e) {
        finish(attempt, HealthState.UNHEALTHY, "prober '" + prober.id() + "' could not run: " + e);
      }
    }

    private void call(Attempt attempt, Duration timeout) {
      if (attempt.over.get()) {
        return; // timed out while waiting for the plugin's thread
      }
      CompletionStage<HealthState> stage;
      try {
        stage = prober.prober().probe(attempt.target, service, timeout);
      } catch (RuntimeException | LinkageError | AssertionError e) {
        finish(attempt, HealthState.UNHEALTHY, "prober '" + prober.id() + "' threw " + e);
        return;
      }
      if (stage == null) {
        finish(attempt, HealthState.UNHEALTHY, "prober '" + prober.id() + "' returned no stage");
        return;
      }
      stage.whenComplete((state, failure) -> {
        if (failure != null) {
          finish(attempt, HealthState.UNHEALTHY, "prober '" + prober.id() + "': " + describe(failure));
        } else {
          HealthState result = state == null ? HealthState.UNKNOWN : state;
          finish(attempt, result, "prober '" + prober.id() + "': " + result);
        }
      });
    }

    /** A failed stage's reason: probers fail their stage with a message that says why (NOT_SERVING, say). */
    private static String describe(Throwable failure) {
      Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    /**
     * Reports the probe's result, once: the first of answer, failure and timeout wins. The next
     * probe of this pair is scheduled from here, one interval (up to a tenth less) after this one
     * started, so two probes of one pair never overlap.
     */
    private void finish(Attempt attempt, HealthState result, String detail) {
      if (!attempt.over.compareAndSet(false, true)) {
        return;
      }
      ScheduledFuture<?> deadline = attempt.deadline;
      if (deadline != null) {
        deadline.cancel(false);
      }
      try {
        if (!stopped) {
          health.probed(service, attempt.target, result, detail);
        }
      } finally {
        long interval = config.interval().toNanos();
        long next = interval - ThreadLocalRandom.current().nextLong(interval / 10 + 1);
        schedule(Math.max(0, attempt.started + next - System.nanoTime()));
      }
    }
  }
}

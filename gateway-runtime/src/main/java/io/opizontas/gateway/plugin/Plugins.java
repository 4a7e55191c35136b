package io.opizontas.gateway.plugin;

import io.opizontas.gateway.api.ApiVersion;
import io.opizontas.gateway.api.BalancingStrategy;
import io.opizontas.gateway.api.CallFilter;
import io.opizontas.gateway.api.EndpointCalls;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.HealthProber;
import io.opizontas.gateway.api.PluginConfigException;
import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.RegistryBackend;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.api.TlsMaterial;
import io.opizontas.gateway.api.TlsProvider;
import io.opizontas.gateway.config.PluginSection;
import io.opizontas.gateway.health.ProbeScheduler;
import io.opizontas.gateway.proxy.CallFilters;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.pf4j.ExtensionPoint;
import org.pf4j.PluginWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugins of one gateway: every jar of the plugins directory loaded with PF4J, each in its own
 * class loader, and the extension instances made from them for the configured roles.
 *
 * <p>How the gateway uses it: {@link #load} at start-up; {@link #startChain} for {@code [[chain]]};
 * {@link #create} and {@link #context} for the other roles ({@code [[registries]]} starts each
 * backend itself with those two); {@link #close} last, after everything using a plugin has stopped.
 * Every failure to load, bind or start is a {@link PluginLoadException} whose message is one line
 * naming the plugin, where it was configured, and the cause.
 */
public final class Plugins implements AutoCloseable {

  /** How long a call filter's stage may take when its {@code [[chain]]} entry does not say. */
  public static final Duration DEFAULT_FILTER_TIMEOUT = Duration.ofSeconds(2);

  /** Keys of a {@code [[chain]]} entry the runtime reads itself; the filter never sees them. */
  static final Set<String> CHAIN_KEYS = Set.of("timeout", "failure_status");

  /**
   * Threads of the filters pool, which runs every call filter method of every call. Filters do
   * quick CPU work on metadata and must not block, so about one thread per core keeps them off the
   * I/O threads without idle threads; at least two, so one stuck filter does not stop all calls.
   */
  static final int FILTER_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

  /**
   * Filter tasks that may wait for a pool thread. A call has at most one waiting, so this bounds the
   * memory of a burst or of filters that block against the contract; beyond it calls are answered
   * UNAVAILABLE (retryable) rather than queued without limit.
   */
  static final int FILTER_QUEUE = 65_536;

  /**
   * Threads of each plugin's blocking executor. Enough for a plugin to read a file while it waits on
   * a remote registry, few enough that a plugin cannot spawn threads without bound; threads exist
   * only while there is work (they end after a minute idle).
   */
  static final int BLOCKING_THREADS = 4;

  private static final Logger LOG = LoggerFactory.getLogger(Plugins.class);

  /** The extension points of gateway-api, in the order the start-up line lists them. */
  private static final List<Class<? extends ExtensionPoint>> ROLES = List.of(
      RegistryBackend.class, CallFilter.class, BalancingStrategy.class, HealthProber.class, TlsProvider.class);

  private final PluginDirectory directory;
  private final Path home;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  private final ExecutorService filterPool;
  private final Map<String, RuntimePluginContext> contexts = new ConcurrentHashMap<>();
  /** Every plugin's scheduler and blocking executor, stopped at {@link #close}. */
  private final List<ExecutorService> pluginExecutors = new CopyOnWriteArrayList<>();
  private final List<Runnable> closers = new ArrayList<>();
  /** Null for the instance {@link #load} made; the loaded plugins for one of its {@link #newScope scopes}. */
  private final Plugins loaded;
  /** Balancing strategies by id; read at the first {@link #startStrategy}. Guarded by this. */
  private Map<String, ExtensionClass<BalancingStrategy>> strategies;
  /** TLS providers by id; read at the first {@link #startTlsProvider}. Guarded by this. */
  private Map<String, ExtensionClass<TlsProvider>> tlsProviders;
  /** Health probers by id; read at the first {@link #startProber}. Guarded by this. */
  private Map<String, ExtensionClass<HealthProber>> probers;
  /** What contexts lend as {@link PluginContext#endpointCalls()}, once the gateway has backend connections. */
  private final LentEndpointCalls endpointCalls;
  /** Told the plugin id of each data-path failure of a call filter (metrics); scopes use their root's. */
  private volatile Consumer<String> failureCount = id -> { };

  private Plugins(PluginDirectory directory, Path home, Clock clock, ScheduledExecutorService timer) {
    this.directory = directory;
    this.home = home.toAbsolutePath();
    this.clock = clock;
    this.timer = timer;
    this.filterPool = new ThreadPoolExecutor(FILTER_THREADS, FILTER_THREADS, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(FILTER_QUEUE), daemonThreads("opizontas-filters-", new AtomicInteger()));
    this.loaded = null;
    this.endpointCalls = new LentEndpointCalls();
  }

  /** A scope of {@code loaded}: everything shared but the extensions it started. */
  private Plugins(Plugins loaded) {
    this.directory = loaded.directory;
    this.home = loaded.home;
    this.clock = loaded.clock;
    this.timer = loaded.timer;
    this.filterPool = loaded.filterPool;
    this.loaded = loaded;
    this.endpointCalls = loaded.endpointCalls;
  }

  /**
   * The same loaded plugins, contexts and threads, but whose {@link #close} closes only the
   * extensions started through the scope and leaves the plugins loaded. A configuration reload
   * starts the new configuration's extensions in a scope of their own, so that the previous
   * configuration's can be closed apart once the calls using them are over.
   */
  public Plugins newScope() {
    return new Plugins(root());
  }

  /** The instance {@link #load} made: this one, or the one this is a scope of. */
  private Plugins root() {
    return loaded == null ? this : loaded;
  }

  /**
   * Loads and starts every plugin jar in {@code directory}. A missing directory means no plugins
   * (the embedded default configuration needs none).
   *
   * @param home  lent to plugins as {@link PluginContext#home()}: what the gateway resolves its own
   *              relative paths against
   * @param clock lent to plugins through their context
   * @param timer fires the timeouts of call filters. No plugin code runs on it (plugins get
   *              schedulers of their own), so keep it to tasks that never block. Owned by the
   *              caller, who shuts it down after {@link #close}
   * @throws PluginLoadException on the first jar that is unreadable, has no descriptor, repeats an
   *     id, requires a newer gateway-api, bundles the contract, or whose plugin class fails to start
   */
  public static Plugins load(Path directory, Path home, Clock clock, ScheduledExecutorService timer) {
    PluginDirectory plugins = new PluginDirectory(directory, ApiVersion.current());
    plugins.loadAll();
    try {
      plugins.startAll();
    } catch (PluginLoadException e) {
      plugins.stopPlugins();
      plugins.unloadPlugins();
      throw e;
    }
    if (plugins.exists()) {
      LOG.info("Plugins loaded from {}: {}", directory.toAbsolutePath(), plugins.getPlugins().isEmpty()
          ? "none"
          : plugins.getPlugins().stream()
              .map(p -> p.getPluginId() + " " + p.getDescriptor().getVersion() + " (" + roles(plugins, p) + ")")
              .sorted()
              .collect(Collectors.joining(", ")));
    } else {
      LOG.info("No plugins directory at {}; no plugins loaded", directory.toAbsolutePath());
    }
    return new Plugins(plugins, home, clock, timer);
  }

  /** {@link #load(Path, Path, Clock, ScheduledExecutorService)} with the working directory as home. */
  public static Plugins load(Path directory, Clock clock, ScheduledExecutorService timer) {
    return load(directory, Path.of(""), clock, timer);
  }

  /** The extension points a plugin contributes to, such as {@code RegistryBackend}, for the log. */
  private static String roles(PluginDirectory plugins, PluginWrapper plugin) {
    ClassLoader loader = plugin.getPluginClassLoader();
    String roles = ROLES.stream()
        .filter(role -> plugins.getExtensionClasses(role, plugin.getPluginId()).stream()
            .anyMatch(c -> c.getClassLoader() == loader))
        .map(Class::getSimpleName)
        .collect(Collectors.joining(", "));
    return roles.isEmpty() ? "no extensions" : roles;
  }

  /** The ids of the loaded plugins, sorted. */
  public Set<String> ids() {
    return directory.getPlugins().stream().map(PluginWrapper::getPluginId).collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * One loaded plugin, as the admin API lists it.
   *
   * @param id         the plugin's id
   * @param version    its version, from its descriptor
   * @param extensions what it contributes
   */
  public record LoadedPlugin(String id, String version, List<Extension> extensions) {}

  /**
   * One extension of a plugin.
   *
   * @param point the extension point, such as {@code BalancingStrategy}
   * @param id    the id the configuration names it by: the extension's own id for strategies,
   *              probers and TLS providers, the plugin's id for registries and call filters
   * @param type  its class
   */
  public record Extension(String point, String id, String type) {}

  /** Every loaded plugin, by id, with its version and extensions. */
  public List<LoadedPlugin> loaded() {
    Map<String, List<Extension>> byPlugin = new TreeMap<>();
    ids().forEach(id -> byPlugin.put(id, new ArrayList<>()));
    for (Class<? extends ExtensionPoint> role : List.of(RegistryBackend.class, CallFilter.class)) {
      for (String pluginId : byPlugin.keySet()) {
        ClassLoader loader = directory.getPlugin(pluginId).getPluginClassLoader();
        directory.getExtensionClasses(role, pluginId).stream()
            .filter(type -> type.getClassLoader() == loader)
            .forEach(type -> byPlugin.get(pluginId).add(new Extension(role.getSimpleName(), pluginId, type.getName())));
      }
    }
    listById(byPlugin, BalancingStrategy.class, strategies());
    listById(byPlugin, HealthProber.class, probers());
    listById(byPlugin, TlsProvider.class, tlsProviders());
    return byPlugin.entrySet().stream()
        .map(e -> new LoadedPlugin(e.getKey(), directory.getPlugin(e.getKey()).getDescriptor().getVersion(),
            List.copyOf(e.getValue())))
        .toList();
  }

  private static <T> void listById(Map<String, List<Extension>> byPlugin, Class<T> role,
      Map<String, ExtensionClass<T>> byId) {
    byId.forEach((id, found) -> byPlugin.get(found.pluginId())
        .add(new Extension(role.getSimpleName(), id, found.type().getName())));
  }

  /**
   * A new, not yet started instance of the {@code role} extension that plugin {@code pluginId}
   * contributes. The caller starts it (with {@link #context}) and closes it.
   *
   * @throws PluginLoadException when no plugin has that id, or the plugin contributes no {@code
   *     role} extension, or several, or the instance cannot be made
   */
  public <T extends ExtensionPoint> T create(Class<T> role, String pluginId) {
    return create(role, pluginId, "plugin '" + pluginId + "'");
  }

  /**
   * The context lent to every extension of {@code pluginId}: one logger, metrics, scheduler and
   * blocking executor. The scheduler is the plugin's own single thread (started at its first task),
   * so a task that blocks there delays only that plugin's tasks; the blocking executor is up to
   * {@link #BLOCKING_THREADS} more threads of the plugin's own. Both stop at {@link #close}.
   */
  public PluginContext context(String pluginId) {
    if (loaded != null) {
      return loaded.context(pluginId);
    }
    return contexts.computeIfAbsent(pluginId, id -> {
      ScheduledThreadPoolExecutor scheduler =
          new ScheduledThreadPoolExecutor(1, daemonThreads("opizontas-plugin-" + id, null));
      // Registries cancel a lease's expiry timer at every keep-alive: drop it from the queue at once.
      scheduler.setRemoveOnCancelPolicy(true);
      pluginExecutors.add(scheduler);
      ThreadPoolExecutor blocking = new ThreadPoolExecutor(BLOCKING_THREADS, BLOCKING_THREADS, 1, TimeUnit.MINUTES,
          new LinkedBlockingQueue<>(), daemonThreads("opizontas-plugin-" + id + "-blocking-", new AtomicInteger()));
      blocking.allowCoreThreadTimeOut(true);
      pluginExecutors.add(blocking);
      // Lent as a bare Executor: the plugin cannot shut it down under its other extensions.
      return new RuntimePluginContext(id, clock, LoggerFactory.getLogger("opizontas.plugin." + id),
          new MemoryPluginMetrics(), new BorrowedScheduler(scheduler), blocking::execute, home, endpointCalls);
    });
  }

  /**
   * Makes and starts the balancing strategy {@code section} names by its id ({@link
   * BalancingStrategy#id()}), with the section's settings as its options; closed by {@link #close}.
   * Strategies are found by id, not by plugin id, because one plugin may contribute several.
   *
   * @return null when no loaded plugin contributes a strategy with that id
   * @throws PluginLoadException when two plugins claim the id, or the strategy cannot be made or
   *     started; {@link io.opizontas.gateway.config.ConfigException} for a bad option
   */
  public BalancingStrategy startStrategy(PluginSection section) {
    ExtensionClass<BalancingStrategy> found = strategies().get(section.plugin());
    if (found == null) {
      return null;
    }
    String where = "balancing strategy '" + section.plugin() + "' of plugin '" + found.pluginId() + "' ("
        + section.origin() + ")";
    BalancingStrategy strategy;
    try {
      strategy = inPluginLoader(found.type().getClassLoader(),
          () -> (BalancingStrategy) directory.getExtensionFactory().create(found.type()));
    } catch (Exception | LinkageError e) {
      throw new PluginLoadException(where + ": cannot make it: " + PluginLoadException.describe(e), e);
    }
    TablePluginConfig config = new TablePluginConfig(section.plugin(), section.settings());
    start(section, strategy, () -> {
      strategy.start(config, context(found.pluginId()));
      return null;
    });
    synchronized (closers) {
      closers.add(() -> close(where, strategy::close, strategy));
    }
    try {
      config.rejectUnread();
    } catch (PluginConfigException e) {
      throw section.refuse(e);
    }
    return strategy;
  }

  /**
   * Makes and starts the TLS provider {@code section} names by its id ({@link TlsProvider#id()}),
   * with the section's settings as its options; closed by {@link #close}.
   *
   * @param rotations where the provider announces new material, from any thread
   * @return the provider's initial material
   * @throws PluginLoadException when no loaded plugin contributes a provider with that id, two
   *     claim it, or it cannot be made or started (it found no usable material);
   *     {@link io.opizontas.gateway.config.ConfigException} for a bad option
   */
  public TlsMaterial startTlsProvider(PluginSection section, Consumer<TlsMaterial> rotations) {
    ExtensionClass<TlsProvider> found = tlsProviders().get(section.plugin());
    if (found == null) {
      throw new PluginLoadException("TLS provider '" + section.plugin() + "' (" + section.origin()
          + "): no loaded plugin contributes it" + (tlsProviders().isEmpty()
              ? " (no TLS providers are installed: put the tls-providers plugin in the plugins directory)"
              : "; installed: " + String.join(", ", tlsProviders().keySet())));
    }
    String where = "TLS provider '" + section.plugin() + "' of plugin '" + found.pluginId() + "' ("
        + section.origin() + ")";
    TlsProvider provider;
    try {
      provider = inPluginLoader(found.type().getClassLoader(), () -> directory.getExtensionFactory().create(found.type()));
    } catch (Exception | LinkageError e) {
      throw new PluginLoadException(where + ": cannot make it: " + PluginLoadException.describe(e), e);
    }
    TablePluginConfig config = new TablePluginConfig(section.plugin(), section.settings());
    TlsMaterial material = start(section, provider,
        () -> provider.start(config, context(found.pluginId()), rotations));
    synchronized (closers) {
      closers.add(() -> close(where, provider::close, provider));
    }
    try {
      config.rejectUnread();
    } catch (PluginConfigException e) {
      throw section.refuse(e);
    }
    return material;
  }

  /**
   * Lends {@code calls} to every plugin as {@link PluginContext#endpointCalls()}; until then such
   * calls end at once with UNAVAILABLE.
   */
  public void lendEndpointCalls(EndpointCalls calls) {
    endpointCalls.lend(calls);
  }

  /**
   * Makes and starts the health prober {@code section} names by its id ({@link HealthProber#id()},
   * or the plugin id when the prober does not name itself), with the section's settings as its
   * options; closed by {@link #close}.
   *
   * @return null when no loaded plugin contributes a prober with that id
   * @throws PluginLoadException when two plugins claim the id, or the prober cannot be made or
   *     started; {@link io.opizontas.gateway.config.ConfigException} for a bad option
   */
  public ProbeScheduler.Prober startProber(PluginSection section) {
    ExtensionClass<HealthProber> found = probers().get(section.plugin());
    if (found == null) {
      return null;
    }
    String where = "health prober '" + section.plugin() + "' of plugin '" + found.pluginId() + "' ("
        + section.origin() + ")";
    HealthProber prober;
    try {
      prober = inPluginLoader(found.type().getClassLoader(),
          () -> directory.getExtensionFactory().create(found.type()));
    } catch (Exception | LinkageError e) {
      throw new PluginLoadException(where + ": cannot make it: " + PluginLoadException.describe(e), e);
    }
    TablePluginConfig config = new TablePluginConfig(section.plugin(), section.settings());
    PluginContext context = context(found.pluginId());
    start(section, prober, () -> {
      prober.start(config, context);
      return null;
    });
    synchronized (closers) {
      closers.add(() -> close(where, prober::close, prober));
    }
    try {
      config.rejectUnread();
    } catch (PluginConfigException e) {
      throw section.refuse(e);
    }
    return new ProbeScheduler.Prober(section.plugin(), prober, context.scheduler());
  }

  /** An extension class and the plugin that contributes it. */
  private record ExtensionClass<T>(String pluginId, Class<? extends T> type) {}

  private synchronized Map<String, ExtensionClass<BalancingStrategy>> strategies() {
    if (strategies == null) {
      strategies = byId(BalancingStrategy.class, BalancingStrategy::id, "balancing strategy");
    }
    return strategies;
  }

  private synchronized Map<String, ExtensionClass<HealthProber>> probers() {
    if (probers == null) {
      probers = byId(HealthProber.class, HealthProber::id, "health prober");
    }
    return probers;
  }

  private synchronized Map<String, ExtensionClass<TlsProvider>> tlsProviders() {
    if (tlsProviders == null) {
      tlsProviders = byId(TlsProvider.class, TlsProvider::id, "TLS provider");
    }
    return tlsProviders;
  }

  /**
   * Every loaded {@code role} extension by its id, read once (each class is made once to ask its
   * id). Found by id, not by plugin id, because one plugin may contribute several.
   */
  private <T extends ExtensionPoint> Map<String, ExtensionClass<T>> byId(Class<T> role, Function<T, String> idOf,
      String what) {
    Map<String, ExtensionClass<T>> byId = new LinkedHashMap<>();
    for (String pluginId : ids()) {
      ClassLoader loader = directory.getPlugin(pluginId).getPluginClassLoader();
      for (Class<? extends T> type : directory.getExtensionClasses(role, pluginId)) {
        if (type.getClassLoader() != loader) {
          continue;
        }
        String id;
        try {
          id = inPluginLoader(loader, () -> idOf.apply(directory.getExtensionFactory().create(type)));
        } catch (Exception | LinkageError e) {
          throw new PluginLoadException("plugin '" + pluginId + "': cannot make its " + what + " "
              + type.getName() + ": " + PluginLoadException.describe(e), e);
        }
        // An extension that does not name itself (a prober may not) is named after its plugin.
        id = id == null || id.isEmpty() ? pluginId : id;
        ExtensionClass<T> previous = byId.putIfAbsent(id, new ExtensionClass<>(pluginId, type));
        if (previous != null) {
          throw new PluginLoadException(what + " '" + id + "' is contributed by two plugins, '"
              + previous.pluginId() + "' and '" + pluginId + "': remove one of them from the plugins directory");
        }
      }
    }
    return byId;
  }

  /** Daemon threads named {@code prefix}, numbered from 1 when {@code numbers} is given. */
  private static ThreadFactory daemonThreads(String prefix, AtomicInteger numbers) {
    return runnable -> {
      Thread thread = new Thread(runnable, numbers == null ? prefix : prefix + numbers.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** From now on, each failure of a call filter started by {@link #startChain} is told to {@code count} by plugin id. */
  public void countFailures(Consumer<String> count) {
    root().failureCount = count;
  }

  /** The metrics of every plugin that was lent a context, by plugin id. */
  public Map<String, MemoryPluginMetrics> pluginMetrics() {
    Map<String, MemoryPluginMetrics> all = new TreeMap<>();
    root().contexts.forEach((id, context) -> all.put(id, context.metrics()));
    return all;
  }

  /** The metrics plugin {@code pluginId} registered, read now; empty when it registered none. */
  public Map<String, Double> metrics(String pluginId) {
    if (loaded != null) {
      return loaded.metrics(pluginId);
    }
    RuntimePluginContext context = contexts.get(pluginId);
    return context == null ? Map.of() : context.metrics().snapshot();
  }

  /**
   * Makes and starts one call filter per {@code [[chain]]} entry, in order. Keys the runtime reads
   * from an entry: {@code timeout} (a duration, default 2s) and {@code failure_status} (a gRPC status
   * name, default INTERNAL); the rest is the filter's configuration. The filters are closed by
   * {@link #close}.
   *
   * @return {@link CallFilters#NONE} when the chain is empty, so calls pay nothing for it
   * @throws PluginLoadException naming the entry that cannot be bound or started, after closing the
   *     filters of this chain already started
   */
  public CallFilters startChain(List<PluginSection> chain) {
    if (chain.isEmpty()) {
      return CallFilters.NONE;
    }
    List<ChainLink> links = new ArrayList<>(chain.size());
    List<Runnable> started = new ArrayList<>();
    try {
      for (PluginSection section : chain) {
        links.add(startLink(section, started));
      }
    } catch (RuntimeException e) {
      closeAll(started);
      throw e;
    }
    synchronized (closers) {
      closers.addAll(started);
    }
    return new FilterChain(links, filterPool, timer);
  }

  private ChainLink startLink(PluginSection section, List<Runnable> started) {
    String id = section.plugin();
    String where = "plugin '" + id + "' (" + section.origin() + ")";
    TablePluginConfig entry = new TablePluginConfig(id, section.settings());
    Duration timeout;
    GrpcStatusCode failureStatus;
    try {
      timeout = entry.duration("timeout", DEFAULT_FILTER_TIMEOUT);
      if (timeout.isZero() || timeout.isNegative()) {
        throw new PluginConfigException("timeout", "must be positive");
      }
      failureStatus = statusCode(entry.string("failure_status", "INTERNAL"));
    } catch (PluginConfigException e) {
      throw section.refuse(e);
    }
    Map<String, Object> settings = new LinkedHashMap<>(section.settings());
    settings.keySet().removeAll(CHAIN_KEYS);

    CallFilter filter = create(CallFilter.class, id, where);
    TablePluginConfig config = new TablePluginConfig(id, settings);
    start(section, filter, () -> {
      filter.start(config, context(id));
      return null;
    });
    started.add(() -> close(where, filter::close, filter));
    try {
      config.rejectUnread();
    } catch (PluginConfigException e) {
      throw section.refuse(e);
    }
    FailureLog failures =
        new FailureLog(LOG, "call filter '" + id + "' (" + section.origin() + ")", System::nanoTime, FailureLog.WINDOW,
            () -> root().failureCount.accept(id));
    return new ChainLink(id, filter, timeout, failureStatus, failures);
  }

  private static GrpcStatusCode statusCode(String name) {
    try {
      GrpcStatusCode code = GrpcStatusCode.valueOf(name.toUpperCase(Locale.ROOT));
      if (code != GrpcStatusCode.OK) {
        return code;
      }
    } catch (IllegalArgumentException e) {
      // not a status name: reported below
    }
    throw new PluginConfigException(
        "failure_status", "'" + name + "' is not a gRPC status other than OK, such as INTERNAL or UNAVAILABLE");
  }

  private <T extends ExtensionPoint> T create(Class<T> role, String pluginId, String where) {
    PluginWrapper plugin = directory.getPlugin(pluginId);
    if (plugin == null) {
      Path root = directory.getPluginsRoot().toAbsolutePath();
      throw new PluginLoadException(
          where + ": not installed: "
              + (directory.exists()
                  ? "no plugin with this id in " + root + " (installed: " + (ids().isEmpty() ? "none" : String.join(", ", ids())) + ")"
                  : "there is no plugins directory " + root));
    }
    ClassLoader loader = plugin.getPluginClassLoader();
    // Extensions the application class path declares would otherwise show up as this plugin's.
    List<Class<? extends T>> classes = directory.getExtensionClasses(role, pluginId).stream()
        .filter(c -> c.getClassLoader() == loader)
        .collect(Collectors.toList());
    if (classes.isEmpty()) {
      throw new PluginLoadException(
          where + ": contributes no " + role.getSimpleName() + " (none is listed in its META-INF/extensions.idx;"
              + " does the build run PF4J's annotation processor on an @Extension class?)");
    }
    if (classes.size() > 1) {
      throw new PluginLoadException(
          where + ": contributes " + classes.size() + " " + role.getSimpleName() + " extensions ("
              + classes.stream().map(Class::getName).collect(Collectors.joining(", "))
              + "); a plugin id binds one per role");
    }
    try {
      return inPluginLoader(loader, () -> directory.getExtensionFactory().create(classes.get(0)));
    } catch (Exception | LinkageError e) {
      throw new PluginLoadException(where + ": cannot make its " + role.getSimpleName() + ": " + PluginLoadException.describe(e), e);
    }
  }

  /** A step of a plugin's life cycle, which may throw anything. */
  private interface Step<V> {
    V run() throws Exception;
  }

  private static <V> V start(PluginSection section, Object extension, Step<V> step) {
    try {
      return inPluginLoader(extension.getClass().getClassLoader(), step);
    } catch (PluginConfigException e) {
      throw section.refuse(e);
    } catch (Exception | LinkageError | AssertionError e) {
      throw new PluginLoadException(
          "plugin '" + section.plugin() + "' (" + section.origin() + "): failed to start: " + PluginLoadException.describe(e), e);
    }
  }

  private static void close(String where, Runnable close, Object extension) {
    try {
      inPluginLoader(extension.getClass().getClassLoader(), () -> {
        close.run();
        return null;
      });
    } catch (Exception | LinkageError e) {
      LOG.warn("{} failed to close", where, e);
    }
  }

  /**
   * Runs a life-cycle step with the plugin's class loader as the thread's context loader, so
   * libraries inside the plugin that look themselves up through it (ServiceLoader) find the
   * plugin's copy, not the gateway's.
   */
  private static <V> V inPluginLoader(ClassLoader loader, Step<V> step) throws Exception {
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(loader);
    try {
      return step.run();
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  private static void closeAll(List<Runnable> closers) {
    for (int i = closers.size() - 1; i >= 0; i--) {
      closers.get(i).run();
    }
  }

  /**
   * Closes every extension this instance started, last started first; then, unless this is a
   * {@linkplain #newScope scope} (whose plugins stay loaded), stops the filters pool and the plugins'
   * schedulers and blocking executors, then stops and unloads the plugins and their class loaders.
   * Failures are logged and skipped.
   */
  @Override
  public void close() {
    synchronized (closers) {
      closeAll(closers);
      closers.clear();
    }
    if (loaded != null) {
      return;
    }
    filterPool.shutdownNow();
    for (ExecutorService executor : pluginExecutors) {
      executor.shutdownNow();
    }
    try {
      directory.stopPlugins();
      directory.unloadPlugins();
    } catch (RuntimeException e) {
      LOG.warn("Stopping plugins failed", e);
    }
  }
}

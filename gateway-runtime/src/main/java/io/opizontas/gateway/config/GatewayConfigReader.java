package io.opizontas.gateway.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.opizontas.gateway.api.Durations;
import io.opizontas.gateway.api.ServicePattern;
import io.opizontas.gateway.api.TomlKeys;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the gateway's TOML 1.0 configuration (parsed by jackson-dataformat-toml) into a {@link
 * GatewayConfig}. Absent keys take the defaults of the section records, so an empty file is valid.
 *
 * <p>Anything the gateway cannot use is refused with one {@link ConfigException} naming the file,
 * the line and the dotted key: TOML syntax errors, values of the wrong type, unknown keys, bad
 * addresses, durations and sizes, out-of-range numbers, and {@code [[registries]]} or {@code
 * [[chain]]} entries without a {@code plugin}. The keys of such an entry other than {@code plugin}
 * belong to that plugin and are passed on as {@link PluginSection#settings()}, with the line of
 * each ({@link PluginSection#keys()}), for the plugin to check when it starts.
 *
 * <p>Stateless and thread-safe.
 */
public final class GatewayConfigReader {

  /** The smallest HTTP/2 flow-control window: the protocol's initial window (RFC 9113, 6.9.2). */
  private static final int MIN_WINDOW = 65_535;

  /** A gRPC request's pseudo-headers, content-type and te alone take a few hundred bytes. */
  private static final int MIN_HEADER_LIST_SIZE = 1024;

  private static final Duration MIN_LEASE_TTL = Duration.ofSeconds(1);

  private static final TomlMapper TOML = new TomlMapper();

  /** {@code provider = "none"}: plaintext for the services of a rule. */
  private static final String NO_TLS = "none";

  /** {@code [admin] listen = "off"}: no admin listener. */
  private static final String ADMIN_OFF = "off";

  private GatewayConfigReader() {}

  /**
   * Reads a configuration file (UTF-8). Messages name the file as {@code file} is written.
   *
   * @throws ConfigException when the file cannot be read or holds a configuration the gateway
   *     cannot use
   */
  public static GatewayConfig read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file.toString(), null, "no such file");
    } catch (CharacterCodingException e) {
      throw new ConfigException(file.toString(), null, "is not UTF-8 text, as TOML requires");
    } catch (IOException e) {
      throw new ConfigException(file.toString(), null, "cannot be read: " + e);
    }
    return read(text, file.toString());
  }

  /**
   * Reads a configuration from TOML text.
   *
   * @param source the name messages give the text, such as the file it came from
   * @throws ConfigException when the text holds a configuration the gateway cannot use
   */
  public static GatewayConfig read(String toml, String source) {
    JsonNode tree;
    try {
      tree = TOML.readTree(toml);
    } catch (JsonProcessingException e) {
      throw syntaxError(toml, source, e);
    }
    ObjectNode root = tree instanceof ObjectNode object ? object : TOML.createObjectNode();
    TomlTable.Source where = new TomlTable.Source(source, KeyLines.scan(toml));
    return gateway(new TomlTable(where, List.of(), root));
  }

  private static GatewayConfig gateway(TomlTable root) {
    TomlTable server = root.table("server");
    TomlTable upstream = root.table("upstream");
    // Read first: [server] and [upstream] refuse keys they did not read.
    TlsConfig tls = new TlsConfig(listenerTls(server.table("tls")), upstreamTls(upstream.table("tls")));
    GatewayConfig config =
        new GatewayConfig(
            server(server),
            upstream(upstream),
            plugins(root.table("plugins")),
            pluginSections(root.tables("registries")),
            pluginSections(root.tables("chain")),
            registration(root.table("registration")),
            balancing(root.table("balancing")),
            tls,
            health(root.table("health")),
            admin(root.table("admin")),
            reload(root.table("reload")));
    root.rejectUnknownKeys();
    return config;
  }

  /** The {@code pattern} key of a per-service rule ({@code [[balancing.services]]} and the like). */
  private static ServicePattern pattern(TomlTable entry) {
    String text = entry.requiredString("pattern");
    try {
      return ServicePattern.parse(text);
    } catch (IllegalArgumentException e) {
      throw entry.refuse("pattern", e.getMessage());
    }
  }

  /**
   * {@code [balancing]}: strategy ids are checked when plugins are loaded (Gateway start), with the
   * file and line kept here.
   */
  private static BalancingConfig balancing(TomlTable table) {
    String strategy = table.string("default", BalancingConfig.ROUND_ROBIN);
    PluginSection defaultStrategy = new PluginSection(strategy, Map.of(), table.origin(), table.entryKeys());
    List<BalancingConfig.Rule> rules = new ArrayList<>();
    for (TomlTable entry : table.tables("services")) {
      ServicePattern pattern = pattern(entry);
      String id = entry.requiredString("strategy");
      rules.add(new BalancingConfig.Rule(pattern, new PluginSection(id, entry.rest(), entry.origin(), entry.entryKeys())));
    }
    String zone = table.string("zone", "");
    BalancingConfig.Retries retries = retries(table.table("retries"));
    table.rejectUnknownKeys();
    return table.isEmpty() ? BalancingConfig.defaults() : new BalancingConfig(defaultStrategy, rules, zone, retries);
  }

  private static BalancingConfig.Retries retries(TomlTable table) {
    BalancingConfig.Retries d = BalancingConfig.Retries.DEFAULTS;
    BalancingConfig.Retries retries = new BalancingConfig.Retries(
        table.integer("attempts", d.attempts(), 1, 10),
        table.integer("budget_percent", d.budgetPercent(), 0, 100),
        table.integer("budget_min", d.budgetMin(), 0, Integer.MAX_VALUE));
    table.rejectUnknownKeys();
    return retries;
  }

  /**
   * {@code [server.tls]}: absent means no TLS listener. Keys other than {@code listen}, {@code
   * provider} and {@code client_auth} are the provider's options; provider ids are checked when
   * plugins are loaded.
   */
  private static Optional<ListenerTlsConfig> listenerTls(TomlTable table) {
    if (table.isEmpty()) {
      return Optional.empty();
    }
    InetSocketAddress listen = table.address("listen", null);
    if (listen == null) {
      throw table.refuse("listen", "is missing: the TLS listener needs its own address, next to [server] listen");
    }
    return Optional.of(tlsOn(table, listen));
  }

  /** A TLS listener's {@code provider}, {@code client_auth} and provider options, on {@code listen}. */
  private static ListenerTlsConfig tlsOn(TomlTable table, InetSocketAddress listen) {
    String provider = table.requiredString("provider");
    String clientAuth = table.string("client_auth", "none");
    ListenerTlsConfig.ClientAuth auth = switch (clientAuth) {
      case "none" -> ListenerTlsConfig.ClientAuth.NONE;
      case "optional" -> ListenerTlsConfig.ClientAuth.OPTIONAL;
      case "require" -> ListenerTlsConfig.ClientAuth.REQUIRE;
      default -> throw table.refuse("client_auth", "expected \"none\", \"optional\" or \"require\" but found \""
          + clientAuth + "\"");
    };
    return new ListenerTlsConfig(listen, new PluginSection(provider, table.rest(), table.origin(), table.entryKeys()),
        auth);
  }

  /**
   * {@code [upstream.tls]} and its {@code [[upstream.tls.services]]} rules. A rule that names no
   * provider uses the default's (the same section, so the same provider instance); {@code provider =
   * "none"} means plaintext.
   */
  private static UpstreamTlsConfig upstreamTls(TomlTable table) {
    if (table.isEmpty()) {
      return UpstreamTlsConfig.plaintext();
    }
    List<TomlTable> ruleTables = table.tables("services");
    UpstreamTlsConfig.Settings defaults = tlsSettings(table, null);
    List<UpstreamTlsConfig.Rule> rules = new ArrayList<>();
    for (TomlTable entry : ruleTables) {
      ServicePattern pattern = pattern(entry);
      rules.add(new UpstreamTlsConfig.Rule(pattern, tlsSettings(entry, defaults)));
    }
    return new UpstreamTlsConfig(defaults, rules);
  }

  /** One table of TLS settings; {@code inherited} is the default a rule falls back on, null for the default. */
  private static UpstreamTlsConfig.Settings tlsSettings(TomlTable table, UpstreamTlsConfig.Settings inherited) {
    String provider = table.string("provider", null);
    String identity = table.string("identity", inherited == null ? null : inherited.identity());
    boolean require = table.bool("require", inherited != null && inherited.require());
    Map<String, Object> options = table.rest();
    PluginSection section;
    if (provider == null) {
      if (!options.isEmpty()) {
        String first = options.keySet().iterator().next();
        throw table.refuse(first, "unknown key: provider options need a provider (known here: provider, identity, require)");
      }
      section = inherited == null ? null : inherited.provider();
    } else if (provider.equals(NO_TLS)) {
      if (!options.isEmpty()) {
        throw table.refuse(options.keySet().iterator().next(), "unknown key: provider \"none\" takes no options");
      }
      section = null;
    } else {
      section = new PluginSection(provider, options, table.origin(), table.entryKeys());
    }
    if (section == null && identity != null && inherited == null) {
      throw table.refuse("identity", "needs a provider: identities are checked only over TLS");
    }
    return new UpstreamTlsConfig.Settings(section, identity, require);
  }

  /** {@code [health]}: prober ids are checked when plugins are loaded, like strategy ids. */
  private static HealthConfig health(TomlTable table) {
    HealthConfig d = HealthConfig.defaults();
    String prober = table.string("prober", null);
    PluginSection defaultProber = prober == null ? null : new PluginSection(prober, Map.of(), table.origin(), table.entryKeys());
    Duration interval = table.duration("interval", d.interval(), null);
    Duration timeout = table.duration("timeout", d.timeout(), null);
    if (timeout.compareTo(interval) > 0) {
      throw table.refuse("timeout", "must not be longer than interval (" + Durations.format(interval)
          + "): a probe would still run when the next one starts");
    }
    int unhealthy = table.integer("unhealthy_threshold", d.unhealthyThreshold(), 1, 1000);
    int healthy = table.integer("healthy_threshold", d.healthyThreshold(), 1, 1000);
    int panic = table.integer("panic_threshold", d.panicPercent(), 0, 100);
    List<HealthConfig.Rule> rules = new ArrayList<>();
    for (TomlTable entry : table.tables("services")) {
      ServicePattern pattern = pattern(entry);
      String id = entry.requiredString("prober");
      rules.add(new HealthConfig.Rule(pattern, new PluginSection(id, entry.rest(), entry.origin(), entry.entryKeys())));
    }
    HealthConfig.Ejection ejection = ejection(table.table("ejection"));
    table.rejectUnknownKeys();
    return new HealthConfig(defaultProber, rules, interval, timeout, unhealthy, healthy, panic, ejection);
  }

  private static HealthConfig.Ejection ejection(TomlTable table) {
    HealthConfig.Ejection d = HealthConfig.Ejection.defaults();
    int failures = table.integer("consecutive_failures", d.consecutiveFailures(), 0, 1_000_000);
    Duration base = table.duration("base_time", d.baseTime(), null);
    Duration max = table.duration("max_time", d.maxTime(), null);
    if (max.compareTo(base) < 0) {
      throw table.refuse("max_time", "must not be shorter than base_time (" + Durations.format(base) + ")");
    }
    int percent = table.integer("max_percent", d.maxPercent(), 0, 100);
    table.rejectUnknownKeys();
    return new HealthConfig.Ejection(failures, base, max, percent);
  }

  /** {@code [admin]}: {@code listen = "off"} turns the listener off; tokens as registration's, by SHA-256. */
  private static AdminConfig admin(TomlTable table) {
    Optional<InetSocketAddress> listen = ADMIN_OFF.equals(table.string("listen", null))
        ? Optional.empty()
        : Optional.of(table.address("listen", AdminConfig.DEFAULT_LISTEN));
    TomlTable tlsTable = table.table("tls");
    Optional<ListenerTlsConfig> tls = Optional.empty();
    if (!tlsTable.isEmpty()) {
      if (listen.isEmpty()) {
        throw table.refuse("listen", "is \"off\", so [admin.tls] has no listener to secure");
      }
      tls = Optional.of(tlsOn(tlsTable, listen.get()));
    }
    List<String> tokens = new ArrayList<>();
    for (TomlTable entry : table.tables("tokens")) {
      String sha256 = entry.requiredString("sha256");
      entry.rejectUnknownKeys();
      String checked;
      try {
        checked = RegistrationToken.checkedSha256(sha256);
      } catch (IllegalArgumentException e) {
        throw entry.refuse("sha256", e.getMessage().replaceFirst("^sha256 ", ""));
      }
      if (tokens.contains(checked)) {
        throw entry.refuse("sha256", "is listed twice");
      }
      tokens.add(checked);
    }
    table.rejectUnknownKeys();
    return new AdminConfig(listen, tokens, tls);
  }

  private static RegistrationConfig registration(TomlTable table) {
    RegistrationConfig d = RegistrationConfig.defaults();
    boolean enabled = table.bool("enabled", d.enabled());
    String backend = table.string("backend", d.backend());
    Duration leaseTtl = table.duration("lease_ttl", d.leaseTtl(), null);
    if (leaseTtl.compareTo(MIN_LEASE_TTL) < 0) {
      throw table.refuse("lease_ttl", "must be at least 1s: keep-alives could not keep up with a shorter lease");
    }
    List<RegistrationToken> tokens = new ArrayList<>();
    for (TomlTable entry : table.tables("tokens")) {
      String sha256 = entry.requiredString("sha256");
      List<String> services = entry.strings("services");
      entry.rejectUnknownKeys();
      try {
        tokens.add(new RegistrationToken(sha256, services));
      } catch (IllegalArgumentException e) {
        throw entry.refuse(e.getMessage().startsWith("sha256") ? "sha256" : "services",
            e.getMessage().replaceFirst("^(sha256|services) ", ""));
      }
    }
    List<RegistrationCertificate> certificates = new ArrayList<>();
    for (TomlTable entry : table.tables("certificates")) {
      String identity = entry.requiredString("identity");
      List<String> services = entry.strings("services");
      List<String> addresses = entry.strings("addresses");
      entry.rejectUnknownKeys();
      try {
        certificates.add(new RegistrationCertificate(identity, services, addresses));
      } catch (IllegalArgumentException e) {
        throw entry.refuse(e.getMessage().startsWith("services") ? "services" : "addresses",
            e.getMessage().replaceFirst("^(services|addresses) ", ""));
      }
    }
    table.rejectUnknownKeys();
    return new RegistrationConfig(enabled, backend, leaseTtl, tokens, certificates);
  }

  private static ServerConfig server(TomlTable table) {
    ServerConfig d = ServerConfig.defaults();
    ServerConfig server =
        new ServerConfig(
            table.address("listen", d.listen()),
            table.duration("drain_timeout", d.drainTimeout(), "stop without waiting"),
            table.integer("max_concurrent_streams", d.maxConcurrentStreams(), 1, Integer.MAX_VALUE),
            window(table, "session_window", d.sessionWindow()),
            window(table, "stream_window", d.streamWindow()),
            table.duration("idle_timeout", d.idleTimeout(), null),
            table.size(
                "max_header_list_size", d.maxHeaderListSize(), MIN_HEADER_LIST_SIZE, Integer.MAX_VALUE),
            table.integer("max_hops", d.maxHops(), 1, 255));
    table.rejectUnknownKeys();
    return server;
  }

  private static UpstreamConfig upstream(TomlTable table) {
    UpstreamConfig d = UpstreamConfig.defaults();
    UpstreamConfig upstream =
        new UpstreamConfig(
            table.duration("connect_timeout", d.connectTimeout(), null),
            table.duration("idle_timeout", d.idleTimeout(), null),
            table.duration("keepalive_interval", d.keepaliveInterval(), "no keepalive"),
            table.duration("keepalive_timeout", d.keepaliveTimeout(), null),
            window(table, "session_window", d.sessionWindow()),
            window(table, "stream_window", d.streamWindow()));
    table.rejectUnknownKeys();
    return upstream;
  }

  private static PluginsConfig plugins(TomlTable table) {
    PluginsConfig plugins = new PluginsConfig(table.path("directory", PluginsConfig.defaults().directory()));
    table.rejectUnknownKeys();
    return plugins;
  }

  private static ReloadConfig reload(TomlTable table) {
    ReloadConfig d = ReloadConfig.defaults();
    ReloadConfig reload = new ReloadConfig(table.bool("watch", d.watch()),
        table.duration("watch_interval", d.watchInterval(), null));
    table.rejectUnknownKeys();
    return reload;
  }

  private static List<PluginSection> pluginSections(List<TomlTable> entries) {
    List<PluginSection> sections = new ArrayList<>(entries.size());
    for (TomlTable entry : entries) {
      String plugin = entry.requiredString("plugin");
      sections.add(new PluginSection(plugin, entry.rest(), entry.origin(), entry.entryKeys()));
    }
    return sections;
  }

  private static int window(TomlTable table, String key, int fallback) {
    return table.size(key, fallback, MIN_WINDOW, Integer.MAX_VALUE);
  }

  private static ConfigException syntaxError(String toml, String source, JsonProcessingException e) {
    JsonLocation location = e.getLocation();
    int line = location == null ? 0 : location.getLineNr();
    if (line <= 0) {
      return new ConfigException(source, null, "invalid TOML: " + e.getOriginalMessage());
    }
    KeyLines.Fault fault = KeyLines.fault(toml, line, location.getColumnNr());
    return new ConfigException(
        source + ":" + fault.line(),
        TomlKeys.dotted(fault.key()),
        "invalid TOML: " + e.getOriginalMessage());
  }
}

package io.opizontas.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GatewayConfigReaderTest {

  @TempDir Path dir;

  private Path write(String toml) throws IOException {
    Path file = dir.resolve("gateway.toml");
    Files.writeString(file, toml);
    return file;
  }

  private GatewayConfig read(String toml) throws IOException {
    return GatewayConfigReader.read(write(toml));
  }

  /** Reads {@code toml} from a file, expects refusal, and returns the message minus the file name. */
  private String refusal(String toml) throws IOException {
    Path file = write(toml);
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> GatewayConfigReader.read(file));
    assertThat(thrown).isInstanceOf(ConfigException.class);
    assertThat(thrown.getMessage()).startsWith(file + ":");
    return thrown.getMessage().substring(file.toString().length());
  }

  @Nested
  class Valid {

    @Test
    void emptyFileIsTheDefaults() throws IOException {
      assertThat(read("")).isEqualTo(GatewayConfig.defaults());
      assertThat(read("# only a comment\n\n")).isEqualTo(GatewayConfig.defaults());
    }

    @Test
    void everyKeyOfEverySection() throws IOException {
      GatewayConfig config =
          read(
              """
              [server]
              listen = "127.0.0.1:0"
              drain_timeout = "250ms"
              max_concurrent_streams = 64
              session_window = "16MiB"
              stream_window = 131072
              idle_timeout = "1h"
              max_header_list_size = "32KiB"
              max_hops = 3

              [upstream]
              connect_timeout = "1s"
              idle_timeout = "2m"
              keepalive_interval = "0"
              keepalive_timeout = "5s"
              session_window = "1GiB"
              stream_window = "64KiB"

              [plugins]
              directory = "/opt/opizontas/plugins"
              """);

      assertThat(config.server())
          .isEqualTo(
              new ServerConfig(
                  new InetSocketAddress("127.0.0.1", 0),
                  Duration.ofMillis(250),
                  64,
                  16 << 20,
                  128 << 10,
                  Duration.ofHours(1),
                  32 << 10,
                  3));
      assertThat(config.upstream())
          .isEqualTo(
              new UpstreamConfig(
                  Duration.ofSeconds(1),
                  Duration.ofMinutes(2),
                  Duration.ZERO,
                  Duration.ofSeconds(5),
                  1 << 30,
                  64 << 10));
      assertThat(config.plugins().directory()).isEqualTo(Path.of("/opt/opizontas/plugins"));
    }

    @Test
    void reloadWatchesOnlyWhenAsked() throws IOException {
      assertThat(read("").reload()).isEqualTo(new ReloadConfig(false, Duration.ofSeconds(1)));
      assertThat(read("[reload]\nwatch = true\nwatch_interval = \"250ms\"\n").reload())
          .isEqualTo(new ReloadConfig(true, Duration.ofMillis(250)));
    }

    @Test
    void balancingHasADefaultStrategyAndRulesWithTheirOwnOptions() throws IOException {
      GatewayConfig config = read("""
          [balancing]
          default = "least-request"

          [[balancing.services]]
          pattern = "cart.*"
          strategy = "ring-hash"
          key = "x-user-id"
          """);

      assertThat(config.balancing().defaultStrategy().plugin()).isEqualTo("least-request");
      assertThat(config.balancing().services()).singleElement().satisfies(rule -> {
        assertThat(rule.pattern().matches("cart.Checkout")).isTrue();
        assertThat(rule.strategy().plugin()).isEqualTo("ring-hash");
        assertThat(rule.strategy().settings()).containsExactly(Map.entry("key", "x-user-id"));
      });
      assertThat(read("").balancing().defaultStrategy().plugin()).isEqualTo("round-robin");
    }

    @Test
    void balancingHasAZoneAndRetriesWithDefaults() throws IOException {
      GatewayConfig config = read("""
          [balancing]
          zone = "eu-1"

          [balancing.retries]
          attempts = 5
          budget_percent = 50
          """);

      assertThat(config.balancing().zone()).isEqualTo("eu-1");
      assertThat(config.balancing().retries()).isEqualTo(new BalancingConfig.Retries(5, 50, 3));
      assertThat(read("").balancing().zone()).isEmpty();
      assertThat(read("").balancing().retries()).isEqualTo(new BalancingConfig.Retries(3, 20, 3));
    }

    @Test
    void tlsListenerAndBackendRulesWithTheirProvidersOptions() throws IOException {
      GatewayConfig config = read("""
          [server.tls]
          listen = "0.0.0.0:50443"
          provider = "pem-files"
          client_auth = "require"
          cert = "gateway.crt"

          [upstream.tls]
          provider = "keystore"
          require = true
          keystore = "gateway.p12"

          [[upstream.tls.services]]
          pattern = "payments.*"
          identity = "spiffe://corp/payments"

          [[upstream.tls.services]]
          pattern = "legacy.*"
          provider = "none"
          require = false

          [[upstream.tls.services]]
          pattern = "partner.*"
          provider = "pem-files"
          ca = "partner-ca.crt"

          [[upstream.tls.services]]
          pattern = "payments.Legacy"
          provider = "none"
          """);
      ListenerTlsConfig listener = config.tls().listener().orElseThrow();
      assertThat(listener.listen()).isEqualTo(new InetSocketAddress("0.0.0.0", 50443));
      assertThat(listener.clientAuth()).isEqualTo(ListenerTlsConfig.ClientAuth.REQUIRE);
      assertThat(listener.provider().plugin()).isEqualTo("pem-files");
      assertThat(listener.provider().settings()).containsExactly(entry("cert", "gateway.crt"));
      UpstreamTlsConfig upstream = config.tls().upstream();
      assertThat(upstream.settingsFor("cart.Cart").provider().settings()).containsExactly(entry("keystore", "gateway.p12"));
      assertThat(upstream.settingsFor("cart.Cart").require()).isTrue();
      UpstreamTlsConfig.Settings payments = upstream.settingsFor("payments.Pay");
      assertThat(payments.provider()).isSameAs(upstream.defaults().provider());
      assertThat(payments.identity()).isEqualTo("spiffe://corp/payments");
      assertThat(payments.require()).isTrue();
      // The most specific pattern decides, wherever it is written.
      assertThat(upstream.settingsFor("payments.Legacy").tls()).isFalse();
      assertThat(upstream.settingsFor("legacy.Old").tls()).isFalse();
      assertThat(upstream.settingsFor("legacy.Old").require()).isFalse();
      assertThat(upstream.settingsFor("partner.P").provider().settings()).containsExactly(entry("ca", "partner-ca.crt"));
    }

    @Test
    void registrationCertificatesMapIdentitiesToServicesAndAddresses() throws IOException {
      RegistrationConfig registration = read("""
          [[registration.certificates]]
          identity = "spiffe://corp/cart"
          services = ["cart.*"]
          addresses = ["10.0.*", "cart-*.internal"]
          """).registration();
      assertThat(registration.certificates()).containsExactly(
          new RegistrationCertificate("spiffe://corp/cart", List.of("cart.*"), List.of("10.0.*", "cart-*.internal")));
      assertThat(registration.tokens()).isEmpty();
    }

    @Test
    void withoutTlsSectionsBothLegsAreH2c() throws IOException {
      assertThat(read("[server]\nlisten = \"127.0.0.1:1\"\n").tls()).isEqualTo(TlsConfig.none());
    }

    @Test
    void absentKeysKeepTheirDefaults() throws IOException {
      GatewayConfig config = read("[server]\nmax_concurrent_streams = 10\n");

      assertThat(config.server().maxConcurrentStreams()).isEqualTo(10);
      assertThat(config.server().listen()).isEqualTo(ServerConfig.defaults().listen());
      assertThat(config.upstream()).isEqualTo(UpstreamConfig.defaults());
    }

    @Test
    void registriesAndChainEntriesCarryTheirPluginsSettingsAndOrigin() throws IOException {
      Path file =
          write(
              """
              [[registries]]
              plugin = "static"
              services."helloworld.Greeter" = ["127.0.0.1:50052", "127.0.0.1:50053"]

              [[registries]]
              plugin = "zookeeper"
              connect = "zk1:2181"
              session_timeout = "10s"
              retries = 3
              ratio = 0.5
              strict = true
              [registries.tls]
              enabled = false

              [[chain]]
              plugin = "token-auth"
              [[chain.tokens]]
              token_sha256 = "abc"
              """);

      GatewayConfig config = GatewayConfigReader.read(file);

      assertThat(config.registries()).hasSize(2);
      PluginSection first = config.registries().get(0);
      assertThat(first.plugin()).isEqualTo("static");
      assertThat(first.origin()).isEqualTo(file + ":1");
      assertThat(first.settings())
          .containsExactly(
              entry(
                  "services",
                  Map.of("helloworld.Greeter", List.of("127.0.0.1:50052", "127.0.0.1:50053"))));

      PluginSection second = config.registries().get(1);
      assertThat(second.plugin()).isEqualTo("zookeeper");
      assertThat(second.origin()).isEqualTo(file + ":5");
      assertThat(second.settings().keySet())
          .as("file order")
          .containsExactly("connect", "session_timeout", "retries", "ratio", "strict", "tls");
      assertThat(second.settings())
          .contains(
              entry("retries", 3L),
              entry("ratio", 0.5),
              entry("strict", true),
              entry("tls", Map.of("enabled", false)));

      assertThat(config.chain()).singleElement().satisfies(filter -> {
        assertThat(filter.plugin()).isEqualTo("token-auth");
        assertThat(filter.origin()).isEqualTo(file + ":15");
        assertThat(filter.settings()).isEqualTo(Map.of("tokens", List.of(Map.of("token_sha256", "abc"))));
      });
    }

    @Test
    void dottedAndQuotedKeysFollowToml10() throws IOException {
      GatewayConfig config =
          read(
              """
              server.listen = "127.0.0.1:7000"
              upstream = { connect_timeout = "2s", keepalive_interval = "1m" }

              [[registries]]
              plugin = "static"
              services."helloworld.Greeter" = ["a:1"]
              services.'literal.dots' = ["b:2"]
              services.plain.nested = ["c:3"]
              "quoted \\u0041" = 1
              """);

      assertThat(config.server().listen()).isEqualTo(new InetSocketAddress("127.0.0.1", 7000));
      assertThat(config.upstream().connectTimeout()).isEqualTo(Duration.ofSeconds(2));
      assertThat(config.upstream().keepaliveInterval()).isEqualTo(Duration.ofMinutes(1));
      Map<String, Object> settings = config.registries().get(0).settings();
      assertThat(settings)
          .containsEntry(
              "services",
              Map.of(
                  "helloworld.Greeter", List.of("a:1"),
                  "literal.dots", List.of("b:2"),
                  "plain", Map.of("nested", List.of("c:3"))))
          .containsEntry("quoted A", 1L);
    }

    @Test
    void entriesMayBeWrittenAsAnInlineArray() throws IOException {
      GatewayConfig config = read("chain = [ { plugin = \"access-log\" }, { plugin = \"rate-limit\", rps = 5 } ]\n");

      assertThat(config.chain()).extracting(PluginSection::plugin).containsExactly("access-log", "rate-limit");
      assertThat(config.chain().get(1).settings()).isEqualTo(Map.of("rps", 5L));
    }

    @Test
    void ipv6AndHostNameListenAddresses() throws IOException {
      assertThat(read("server.listen = \"[::1]:50051\"").server().listen())
          .isEqualTo(new InetSocketAddress("::1", 50051));
      assertThat(read("server.listen = \"localhost:50051\"").server().listen().getPort()).isEqualTo(50051);
    }

    @Test
    void zeroDrainTimeoutStopsAtOnce() throws IOException {
      assertThat(read("server.drain_timeout = 0").server().drainTimeout()).isZero();
    }

    @Test
    void registrationSectionAndTokens() throws IOException {
      String hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
      GatewayConfig config =
          read(
              """
              [registration]
              enabled = true
              backend = "zookeeper"
              lease_ttl = "10s"

              [[registration.tokens]]
              sha256 = "%s"
              services = ["post.*", "helloworld.Greeter"]
              """.formatted(hash.toUpperCase(java.util.Locale.ROOT)));

      assertThat(config.registration())
          .isEqualTo(new RegistrationConfig(true, "zookeeper", java.time.Duration.ofSeconds(10),
              java.util.List.of(new RegistrationToken(hash, java.util.List.of("post.*", "helloworld.Greeter")))));
    }

    @Test
    void adminListensOnLoopback9901UnlessToldOtherwise() throws IOException {
      String hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
      assertThat(read("").admin()).isEqualTo(AdminConfig.defaults());
      assertThat(read("").admin().listen()).contains(new InetSocketAddress("127.0.0.1", 9901));
      assertThat(read("[admin]\nlisten = \"off\"\n").admin().listen()).isEmpty();
      assertThat(read("""
          [admin]
          listen = "127.0.0.1:0"
          [[admin.tokens]]
          sha256 = "%s"
          """.formatted(hash.toUpperCase(java.util.Locale.ROOT))).admin())
          .isEqualTo(new AdminConfig(java.util.Optional.of(new InetSocketAddress("127.0.0.1", 0)), List.of(hash)));
    }

    @Test
    void adminTlsTakesTheListenerTlsKeysOnTheAdminAddress() throws IOException {
      AdminConfig admin = read("""
          [admin]
          listen = "127.0.0.1:0"
          [admin.tls]
          provider = "pem-files"
          client_auth = "require"
          cert = "gateway.crt"
          """).admin();

      assertThat(admin.tls()).hasValueSatisfying(tls -> {
        assertThat(tls.listen()).isEqualTo(new InetSocketAddress("127.0.0.1", 0));
        assertThat(tls.clientAuth()).isEqualTo(ListenerTlsConfig.ClientAuth.REQUIRE);
        assertThat(tls.provider().plugin()).isEqualTo("pem-files");
        assertThat(tls.provider().settings()).isEqualTo(Map.of("cert", "gateway.crt"));
      });
    }

    @Test
    void readsTextAsWell() {
      assertThat(GatewayConfigReader.read("server.max_concurrent_streams = 7", "inline").server().maxConcurrentStreams())
          .isEqualTo(7);
    }
  }

  @Nested
  class Refused {

    @Test
    void registrationMistakesNameTheKey() throws IOException {
      assertThat(refusal("[registration]\nenabled = \"yes\"\n"))
          .isEqualTo(":2: registration.enabled: expected true or false but found the string \"yes\"");
      assertThat(refusal("[registration]\nlease_ttl = \"500ms\"\n"))
          .startsWith(":2: registration.lease_ttl: must be at least 1s");
      assertThat(refusal("[[registration.tokens]]\nsha256 = \"abc\"\nservices = [\"a.*\"]\n"))
          .startsWith(":2: registration.tokens.0.sha256: is not 64 hex digits");
      assertThat(refusal("[[registration.tokens]]\nsha256 = \"%s\"\n".formatted("a".repeat(64))))
          .startsWith(":1: registration.tokens.0.services: is empty");
      assertThat(refusal("[registration]\ntokens_file = \"x\"\n"))
          .startsWith(":2: registration.tokens_file: unknown key");
    }

    @Test
    void adminMistakesNameTheKey() throws IOException {
      String hash = "a".repeat(64);
      assertThat(refusal("[admin]\nlisten = \"9901\"\n"))
          .isEqualTo(":2: admin.listen: '9901' is not host:port");
      assertThat(refusal("[admin]\nlisten = 9901\n"))
          .startsWith(":2: admin.listen: expected a string");
      assertThat(refusal("[[admin.tokens]]\nsha256 = \"abc\"\n"))
          .startsWith(":2: admin.tokens.0.sha256: is not 64 hex digits");
      assertThat(refusal("[[admin.tokens]]\nsha256 = \"%s\"\n[[admin.tokens]]\nsha256 = \"%s\"\n".formatted(hash, hash)))
          .isEqualTo(":4: admin.tokens.1.sha256: is listed twice");
      assertThat(refusal("[[admin.tokens]]\nsha256 = \"%s\"\nservices = [\"*\"]\n".formatted(hash)))
          .startsWith(":3: admin.tokens.0.services: unknown key");
      assertThat(refusal("[admin]\ntoken = \"x\"\n"))
          .startsWith(":2: admin.token: unknown key");
      assertThat(refusal("[admin]\nlisten = \"off\"\n[admin.tls]\nprovider = \"pem-files\"\n"))
          .isEqualTo(":2: admin.listen: is \"off\", so [admin.tls] has no listener to secure");
      assertThat(refusal("[admin.tls]\nclient_auth = \"require\"\n"))
          .isEqualTo(":1: admin.tls: 'provider' is missing");
      assertThat(refusal("[admin.tls]\nprovider = \"pem-files\"\nclient_auth = \"always\"\n"))
          .startsWith(":3: admin.tls.client_auth: expected \"none\", \"optional\" or \"require\"");
    }

    @Test
    void reloadMistakesNameTheKey() throws IOException {
      assertThat(refusal("[reload]\nwatch = \"yes\"\n"))
          .isEqualTo(":2: reload.watch: expected true or false but found the string \"yes\"");
      assertThat(refusal("[reload]\nwatch_interval = \"0\"\n")).isEqualTo(":2: reload.watch_interval: must be longer than 0");
      assertThat(refusal("[reload]\nsignal = \"HUP\"\n")).startsWith(":2: reload.signal: unknown key");
    }

    @Test
    void registrationCertificateMistakesNameTheKey() throws IOException {
      assertThat(refusal("[[registration.certificates]]\nidentity = \"x\"\nservices = [\"a.*\"]\n"))
          .startsWith(":1: registration.certificates.0.addresses: is empty");
      assertThat(refusal("[[registration.certificates]]\nservices = [\"a.*\"]\naddresses = [\"*\"]\n"))
          .contains("'identity' is missing");
      assertThat(refusal("[[registration.certificates]]\nidentity = \"x\"\nservices = [\"a.*\"]\naddresses = [\"*\"]\ncn = \"x\"\n"))
          .startsWith(":5: registration.certificates.0.cn: unknown key");
    }

    @Test
    void tlsMistakesNameTheKey() throws IOException {
      assertThat(refusal("[server.tls]\nprovider = \"pem-files\"\n"))
          .contains("server.tls.listen: is missing");
      assertThat(refusal("[server.tls]\nlisten = \"127.0.0.1:1\"\n")).contains("'provider' is missing");
      assertThat(refusal("[server.tls]\nlisten = \"127.0.0.1:1\"\nprovider = \"x\"\nclient_auth = \"always\"\n"))
          .isEqualTo(":4: server.tls.client_auth: expected \"none\", \"optional\" or \"require\" but found \"always\"");
      assertThat(refusal("[upstream.tls]\nrequire = true\ncert = \"a.crt\"\n"))
          .startsWith(":3: upstream.tls.cert: unknown key: provider options need a provider");
      assertThat(refusal("[upstream.tls]\nidentity = \"x\"\n"))
          .startsWith(":2: upstream.tls.identity: needs a provider");
      assertThat(refusal("[[upstream.tls.services]]\npattern = \"a.*\"\nprovider = \"none\"\nca = \"x\"\n"))
          .startsWith(":4: upstream.tls.services.0.ca: unknown key: provider \"none\" takes no options");
    }

    @Test
    void aKeyWithoutAValueIsASyntaxErrorNotADroppedKey() throws IOException {
      assertThat(refusal("[server]\nlisten = \"127.0.0.1:1\"\nbad = \n"))
          .isEqualTo(":3: server.bad: invalid TOML: Newline not permitted here");
      assertThat(refusal("bad =")).startsWith(":1: bad: invalid TOML: ");
    }

    @Test
    void syntaxErrorsAfterMultiLineValuesNameTheRightLine() throws IOException {
      assertThat(
              refusal(
                  """
                  [[registries]]
                  plugin = "static"
                  note = \"""
                  spans
                  lines\"""
                  services."a.b" = [
                    "x:1",   # comment
                    "y:2",
                  ]
                  broken = [1, 2
                  """))
          .startsWith(":10: registries.0.broken: invalid TOML: ");
    }

    @Test
    void aSyntaxErrorOffAnyKeyNamesTheLine() throws IOException {
      assertThat(refusal("[server]\n= 1\n")).startsWith(":2: invalid TOML: ");
      assertThat(refusal("[server\n")).startsWith(":1: server: invalid TOML: ");
    }

    @Test
    void duplicateKeysAndTables() throws IOException {
      assertThat(refusal("[server]\nlisten = \"127.0.0.1:1\"\nlisten = \"127.0.0.1:2\"\n\n# next\nmax_concurrent_streams = 1\n"))
          .startsWith(":3: server.listen: invalid TOML: Duplicate key");
      assertThat(refusal("[server]\n[upstream]\n[server]\n")).startsWith(":3: server: invalid TOML: ");
    }

    @ParameterizedTest
    @CsvSource(
        delimiter = '|',
        value = {
          "server.max_concurrent_streams = 'many' | :1: server.max_concurrent_streams: expected an integer but found the string \"many\"",
          "server.max_concurrent_streams = 1.5    | :1: server.max_concurrent_streams: expected an integer but found the number 1.5",
          "server.max_hops = 0                    | :1: server.max_hops: 0 is outside 1..255",
          "server.listen = 50051                  | :1: server.listen: expected \"host:port\" but found the integer 50051",
          "server = 1                             | :1: server: expected a table but found the integer 1",
          "server.idle_timeout = true             | :1: server.idle_timeout: expected a duration such as \"30s\" but found the boolean true",
          "server.idle_timeout = 30               | :1: server.idle_timeout: expected a duration such as \"30s\" but found the integer 30",
          "upstream.stream_window = [1]           | :1: upstream.stream_window: expected a size such as 65536 or \"8MiB\" but found an array",
          "plugins.directory = {}                 | :1: plugins.directory: expected a path but found a table",
          "registries = { plugin = 'static' }     | :1: registries: expected an array of tables ([[registries]]) but found a table",
          "chain = ['token-auth']                 | :1: chain.0: expected a table but found the string \"token-auth\"",
          "chain = [{ plugin = 7 }]               | :1: chain.0.plugin: expected a string but found the integer 7",
        })
    void wrongTypes(String toml, String message) throws IOException {
      assertThat(refusal(toml)).isEqualTo(message);
    }

    @Test
    void unknownKeysAreNamedWithTheKnownOnes() throws IOException {
      assertThat(refusal("[server]\nlisten = \"127.0.0.1:1\"\n\nlistn = \"127.0.0.1:2\"\n"))
          .isEqualTo(
              ":4: server.listn: unknown key (known here: tls, listen, drain_timeout, max_concurrent_streams,"
                  + " session_window, stream_window, idle_timeout, max_header_list_size, max_hops)");
      assertThat(refusal("[server]\n[metrics]\nenabled = true\n"))
          .isEqualTo(":2: metrics: unknown key (known here: server, upstream, plugins, registries, chain, registration,"
              + " balancing, health, admin, reload)");
      assertThat(refusal("[upstream.tls]\nprovider = \"pem-files\"\nrequired = true\n[[upstream.tls.services]]\n"
          + "pattern = \"a.*\"\nidentity = \"x\"\nrequired = true\n"))
          .startsWith(":7: upstream.tls.services.0.required: unknown key");
      assertThat(refusal("[plugins]\ndirectory = \"p\"\nextra.deep = 1\n")).startsWith(":3: plugins.extra: unknown key");
    }

    @Test
    void balancingRulesNeedAPatternAndAStrategy() throws IOException {
      assertThat(refusal("[[balancing.services]]\nstrategy = \"random\"\n")).isEqualTo(":1: balancing.services.0: 'pattern' is missing");
      assertThat(refusal("[[balancing.services]]\npattern = \"a b\"\nstrategy = \"random\"\n"))
          .startsWith(":2: balancing.services.0.pattern: ");
      assertThat(refusal("[[balancing.services]]\npattern = \"cart.*\"\n")).isEqualTo(":1: balancing.services.0: 'strategy' is missing");
      assertThat(refusal("[balancing]\nfallback = 1\n")).startsWith(":2: balancing.fallback: unknown key");
      assertThat(refusal("[balancing.retries]\nattempts = 0\n")).startsWith(":2: balancing.retries.attempts: ");
      assertThat(refusal("[balancing.retries]\nbudget_percent = 101\n")).startsWith(":2: balancing.retries.budget_percent: ");
      assertThat(refusal("[balancing.retries]\nbudget = 1\n")).startsWith(":2: balancing.retries.budget: unknown key");
      assertThat(refusal("[balancing]\nzone = \"\"\n")).startsWith(":2: balancing.zone: ");
    }

    @Test
    void healthHasProbersPerServiceThresholdsAndEjection() throws IOException {
      GatewayConfig config = read("""
          [health]
          prober = "grpc-health"
          interval = "5s"
          timeout = "2s"
          unhealthy_threshold = 3
          healthy_threshold = 1
          panic_threshold = 30

          [health.ejection]
          consecutive_failures = 7
          base_time = "20s"
          max_time = "2m"
          max_percent = 34

          [[health.services]]
          pattern = "legacy.*"
          prober = "tcp"

          [[health.services]]
          pattern = "cart.*"
          prober = "grpc-health"
          service = ""
          unimplemented = "unhealthy"
          """);

      HealthConfig health = config.health();
      assertThat(health.defaultProber().plugin()).isEqualTo("grpc-health");
      assertThat(health.interval()).isEqualTo(Duration.ofSeconds(5));
      assertThat(health.timeout()).isEqualTo(Duration.ofSeconds(2));
      assertThat(health.unhealthyThreshold()).isEqualTo(3);
      assertThat(health.healthyThreshold()).isEqualTo(1);
      assertThat(health.panicPercent()).isEqualTo(30);
      assertThat(health.ejection()).isEqualTo(new HealthConfig.Ejection(7, Duration.ofSeconds(20), Duration.ofMinutes(2), 34));
      assertThat(health.services()).hasSize(2);
      assertThat(health.services().get(1).prober().settings())
          .containsExactly(Map.entry("service", ""), Map.entry("unimplemented", "unhealthy"));
      assertThat(health.probes()).isTrue();
      assertThat(read("").health()).isEqualTo(HealthConfig.defaults());
      assertThat(HealthConfig.defaults().probes()).isFalse();
    }

    @Test
    void healthMistakesNameTheKey() throws IOException {
      assertThat(refusal("[health]\ninterval = \"1s\"\ntimeout = \"2s\"\n"))
          .isEqualTo(":3: health.timeout: must not be longer than interval (1s): a probe would still run when the"
              + " next one starts");
      assertThat(refusal("[health]\npanic_threshold = 101\n")).startsWith(":2: health.panic_threshold: ");
      assertThat(refusal("[health]\nunhealthy_threshold = 0\n")).startsWith(":2: health.unhealthy_threshold: ");
      assertThat(refusal("[health.ejection]\nbase_time = \"1m\"\nmax_time = \"10s\"\n"))
          .startsWith(":3: health.ejection.max_time: must not be shorter than base_time");
      assertThat(refusal("[health.ejection]\nmax_share = 10\n")).startsWith(":2: health.ejection.max_share: unknown key");
      assertThat(refusal("[[health.services]]\npattern = \"a.*\"\n")).isEqualTo(":1: health.services.0: 'prober' is missing");
    }

    @Test
    void pluginSettingsAreNotCheckedForUnknownKeys() throws IOException {
      assertThat(read("[[chain]]\nplugin = \"x\"\nanything = { at = \"all\" }\n").chain().get(0).settings())
          .containsOnlyKeys("anything");
    }

    @ParameterizedTest
    @CsvSource(
        delimiter = '|',
        value = {
          "0.0.0.0           | '0.0.0.0' is not host:port",
          "0.0.0.0:          | '0.0.0.0:' is not host:port (the port must be a number in 0..65535)",
          "0.0.0.0:http      | '0.0.0.0:http' is not host:port (the port must be a number in 0..65535)",
          "0.0.0.0:-1        | '0.0.0.0:-1' is not host:port (the port must be a number in 0..65535)",
          "0.0.0.0:65536     | '0.0.0.0:65536' has port 65536, outside 0..65535",
          "0.0.0.0:999999999 | '0.0.0.0:999999999' is not host:port (the port must be a number in 0..65535)",
          ":50051            | ':50051' has an empty host",
          "[]:50051          | '[]:50051' has an empty host",
          "::1:50051         | '::1:50051' is not host:port (write an IPv6 address in brackets: [::1]:50051)",
          "[::1]             | '[::1]' is not host:port (write an IPv6 address in brackets: [::1]:50051)",
        })
    void badAddresses(String address, String problem) throws IOException {
      assertThat(refusal("[server]\n\nlisten = \"" + address + "\"\n"))
          .isEqualTo(":3: server.listen: " + problem);
    }

    @ParameterizedTest
    @CsvSource(
        delimiter = '|',
        value = {
          "server.drain_timeout = '30 seconds'        | '30 seconds' is not a duration such as \"250ms\", \"30s\", \"5m\" or \"1h\"",
          "server.drain_timeout = '-1s'               | '-1s' is not a duration such as \"250ms\", \"30s\", \"5m\" or \"1h\"",
          "server.drain_timeout = '1.5s'              | '1.5s' is not a duration such as \"250ms\", \"30s\", \"5m\" or \"1h\"",
          "server.drain_timeout = '9999999999999999h' | '9999999999999999h' is too long a duration",
          "server.drain_timeout = '9999999999999999999999s' | '9999999999999999999999s' is too long a duration",
          "server.idle_timeout = '0'                  | must be longer than 0",
          "upstream.connect_timeout = '0ms'           | must be longer than 0",
          "upstream.idle_timeout = 0                  | must be longer than 0",
          "upstream.keepalive_timeout = '0s'          | must be longer than 0",
        })
    void badDurations(String toml, String problem) throws IOException {
      String key = toml.substring(0, toml.indexOf(' '));
      assertThat(refusal(toml)).isEqualTo(":1: " + key + ": " + problem);
    }

    @ParameterizedTest
    @CsvSource(
        delimiter = '|',
        value = {
          "server.session_window = '8MB'     | '8MB' is not a size such as 65536, \"64KiB\", \"8MiB\" or \"1GiB\"",
          "server.session_window = '-8MiB'   | '-8MiB' is not a size such as 65536, \"64KiB\", \"8MiB\" or \"1GiB\"",
          "server.session_window = 1.5       | expected a size such as 65536 or \"8MiB\" but found the number 1.5",
          "server.stream_window = 65534      | 65534 bytes is outside 65535..2147483647",
          "server.stream_window = -1         | -1 bytes is outside 65535..2147483647",
          "server.stream_window = '2GiB'     | 2147483648 bytes is outside 65535..2147483647",
          "upstream.session_window = 0       | 0 bytes is outside 65535..2147483647",
          "upstream.stream_window = '99999999999999999999GiB' | '99999999999999999999GiB' is too large a size",
          "upstream.stream_window = 99999999999999999999 | 99999999999999999999 bytes is outside 65535..2147483647",
          "server.max_header_list_size = '1000B' | 1000 bytes is outside 1024..2147483647",
          "server.max_concurrent_streams = 0 | 0 is outside 1..2147483647",
          "server.max_concurrent_streams = -5 | -5 is outside 1..2147483647",
        })
    void badSizesAndCounts(String toml, String problem) throws IOException {
      String key = toml.substring(0, toml.indexOf(' '));
      assertThat(refusal(toml)).isEqualTo(":1: " + key + ": " + problem);
    }

    @Test
    void anEntryWithoutAPluginNamesTheEntry() throws IOException {
      assertThat(refusal("[[registries]]\nplugin = \"static\"\n\n[[registries]]\nservices = {}\n"))
          .isEqualTo(":4: registries.1: 'plugin' is missing");
      assertThat(refusal("[[chain]]\nplugin = \"  \"\n")).isEqualTo(":2: chain.0.plugin: must not be empty");
    }

    @Test
    void integersBeyond64BitsInPluginSettings() throws IOException {
      assertThat(refusal("[[chain]]\nplugin = \"x\"\n[chain.limits]\nburst = 99999999999999999999\n"))
          .isEqualTo(":4: chain.0.limits.burst: 99999999999999999999 does not fit a 64-bit integer");
    }

    @Test
    void aBadPathIsRefused() throws IOException {
      assertThat(refusal("plugins.directory = \" \"")).isEqualTo(":1: plugins.directory: must not be empty");
      assertThat(refusal("plugins.directory = \"a\\u0000b\"")).startsWith(":1: plugins.directory: ");
    }

    @Test
    void aMissingFile() {
      Path missing = dir.resolve("absent.toml");
      assertThatThrownBy(() -> GatewayConfigReader.read(missing))
          .isInstanceOf(ConfigException.class)
          .hasMessage(missing + ": no such file");
    }

    @Test
    void aFileThatIsNotUtf8() throws IOException {
      Path latin1 = dir.resolve("latin1.toml");
      Files.write(latin1, "# caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
      assertThatThrownBy(() -> GatewayConfigReader.read(latin1))
          .isInstanceOf(ConfigException.class)
          .hasMessage(latin1 + ": is not UTF-8 text, as TOML requires");
    }
  }
}

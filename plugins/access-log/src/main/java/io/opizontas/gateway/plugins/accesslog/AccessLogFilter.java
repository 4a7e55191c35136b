package io.opizontas.gateway.plugins.accesslog;

import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.CallFilter;
import io.opizontas.gateway.api.CallOutcome;
import io.opizontas.gateway.api.FilterResult;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import org.pf4j.Extension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one structured line per finished call, written through SLF4J to a logger of its
 * own, so Logback (or any SLF4J backend) decides where it goes.
 *
 * <pre>
 * [[chain]]
 * plugin = "access-log"
 * format = "logfmt"                   # default; or "json"
 * sample = 1.0                        # default: every call; 0.1 logs one call in ten, 0 none
 * logger = "opizontas.access"         # default
 * metadata = ["user-agent"]           # request metadata to add as md.&lt;key&gt;; ["*"] for all
 * redact = ["x-api-key"]              # never written (authorization and -bin keys never are)
 * </pre>
 *
 * <p>It sees every call that reached the chain, wherever it stands in it: the end hook runs for
 * calls an earlier filter rejected too. The line is formatted on the gateway's filters pool and
 * handed to the logger there: route the logger to an asynchronous appender (see the README) so that
 * writing it never holds that pool.
 */
@Extension
public final class AccessLogFilter implements CallFilter {

  private static final String[] KEYS = {"format", "sample", "logger", "metadata", "redact"};

  // Written once in start(), before the gateway sends any call: the runtime publishes them safely.
  private AccessLine line;
  private double sample;
  private Logger log;
  private Clock clock;

  @Override
  public void start(PluginConfig config, PluginContext context) {
    config.allowKeys(KEYS);
    LineFormat format = switch (config.string("format", "logfmt")) {
      case "logfmt" -> LineFormat.LOGFMT;
      case "json" -> LineFormat.JSON;
      default -> throw config.invalid("format", "expected \"logfmt\" or \"json\"");
    };
    sample = sample(config);
    String logger = config.string("logger", "opizontas.access");
    if (logger.isBlank()) {
      throw config.invalid("logger", "must name a logger, such as \"opizontas.access\"");
    }
    log = LoggerFactory.getLogger(logger);
    clock = context.clock();
    List<String> metadata = lowerCase(config.strings("metadata"));
    Set<String> redacted = Set.copyOf(lowerCase(config.strings("redact")));
    line = new AccessLine(format, metadata.contains("*") ? null : metadata, redacted);
    context.logger().info("Access log to logger {} as {}, sampling {} of calls", logger,
        format.name().toLowerCase(Locale.ROOT), sample);
  }

  /** The {@code sample} rate, from 0 (no call) to 1 (every call). */
  private static double sample(PluginConfig config) {
    double sample = config.number("sample", 1.0);
    if (!(sample >= 0 && sample <= 1)) {
      throw config.invalid("sample", "expected a number from 0 (no call) to 1 (every call), such as 0.1");
    }
    return sample;
  }

  private static List<String> lowerCase(List<String> keys) {
    List<String> lower = new ArrayList<>(keys.size());
    for (String key : keys) {
      lower.add(key.toLowerCase(Locale.ROOT));
    }
    return List.copyOf(lower);
  }

  @Override
  public CompletionStage<FilterResult> onRequest(Call call) {
    return CallFilter.proceed();
  }

  @Override
  public void onCallEnded(Call call, CallOutcome outcome) {
    if (sample < 1 && ThreadLocalRandom.current().nextDouble() >= sample) {
      return;
    }
    if (log.isInfoEnabled()) {
      log.info(line.write(clock.instant(), call, outcome));
    }
  }
}

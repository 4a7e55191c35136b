package io.opizontas.gateway.plugins.headerrewrite;

import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.CallFilter;
import io.opizontas.gateway.api.FilterResult;
import io.opizontas.gateway.api.Metadata;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.ServicePattern;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.pf4j.Extension;

/**
 * Adds, sets and removes metadata per service: on the request (the backend sees it), on the response
 * headers and on the trailers (the client sees them).
 *
 * <pre>
 * [[chain]]
 * plugin = "header-rewrite"
 * [chain.services."*".request]
 * set = { "x-gateway" = "opizontas" }
 * remove = ["x-debug"]
 * [chain.services."helloworld.*".response]
 * add = { "x-served-by" = "greeter" }
 * [chain.services."helloworld.Greeter".trailers]
 * remove = ["x-internal-trace"]
 * </pre>
 *
 * <p>Keys of {@code services} are service patterns ({@code "*"}, {@code "pkg.*"}, {@code
 * "pkg.Service"}). Every pattern that matches a call applies, from the most general to the most
 * specific, so a specific {@code set} wins over a general one. Within one pattern, {@code remove}
 * runs first, then {@code set}, then {@code add}.
 *
 * <p>A trailers-only response (an error without headers) has no response headers: only its {@code
 * trailers} edits apply.
 */
@Extension
public final class HeaderRewriteFilter implements CallFilter {

  private Rule[] rules;

  /** The edits for the services one pattern matches. */
  private record Rule(ServicePattern pattern, Edits request, Edits response, Edits trailers) {}

  /** Edits to one kind of metadata, already validated. */
  private record Edits(List<String> remove, List<String[]> set, List<String[]> add) {
    static final Edits NONE = new Edits(List.of(), List.of(), List.of());

    void apply(Metadata metadata) {
      for (String key : remove) {
        metadata.remove(key);
      }
      for (String[] entry : set) {
        metadata.set(entry[0], entry[1]);
      }
      for (String[] entry : add) {
        metadata.add(entry[0], entry[1]);
      }
    }
  }

  @Override
  public void start(PluginConfig config, PluginContext context) {
    config.allowKeys("services");
    PluginConfig services = config.section("services");
    List<Rule> parsed = new ArrayList<>();
    for (String text : services.keys()) {
      ServicePattern pattern;
      try {
        pattern = ServicePattern.parse(text);
      } catch (IllegalArgumentException e) {
        throw services.invalid(text, e.getMessage());
      }
      PluginConfig rule = services.section(text);
      rule.allowKeys("request", "response", "trailers");
      parsed.add(new Rule(pattern, edits(rule.section("request")), edits(rule.section("response")), edits(rule.section("trailers"))));
    }
    parsed.sort(Comparator.comparingInt(r -> r.pattern().specificity()));
    rules = parsed.toArray(new Rule[0]);
    context.logger().info("{} rewrite rule(s) for {}", rules.length, parsed.stream().map(r -> r.pattern().toString()).toList());
  }

  private static Edits edits(PluginConfig section) {
    if (section.keys().isEmpty()) {
      return Edits.NONE;
    }
    section.allowKeys("remove", "set", "add");
    List<String> remove = new ArrayList<>();
    List<String> removeKeys = section.strings("remove");
    for (int i = 0; i < removeKeys.size(); i++) {
      remove.add(key(section, "remove." + i, removeKeys.get(i)));
    }
    return new Edits(List.copyOf(remove), pairs(section, "set"), pairs(section, "add"));
  }

  private static List<String[]> pairs(PluginConfig section, String name) {
    PluginConfig table = section.section(name);
    List<String[]> pairs = new ArrayList<>();
    for (String k : table.keys()) {
      String value = table.string(k).orElseThrow();
      String key = key(table, k, k);
      try {
        Metadata.checkValue(key, value);
      } catch (IllegalArgumentException e) {
        throw table.invalid(k, e.getMessage());
      }
      pairs.add(new String[] {key, value});
    }
    return List.copyOf(pairs);
  }

  private static String key(PluginConfig config, String where, String key) {
    try {
      return Metadata.checkWritableKey(key);
    } catch (IllegalArgumentException e) {
      throw config.invalid(where, e.getMessage());
    }
  }

  @Override
  public CompletionStage<FilterResult> onRequest(Call call) {
    String service = call.service();
    for (Rule rule : rules) {
      if (rule.request() != Edits.NONE && rule.pattern().matches(service)) {
        rule.request().apply(call.requestHeaders());
      }
    }
    return CallFilter.proceed();
  }

  @Override
  public void onResponseHeaders(Call call, Metadata headers) {
    String service = call.service();
    for (Rule rule : rules) {
      if (rule.response() != Edits.NONE && rule.pattern().matches(service)) {
        rule.response().apply(headers);
      }
    }
  }

  @Override
  public void onTrailers(Call call, Metadata trailers) {
    String service = call.service();
    for (Rule rule : rules) {
      if (rule.trailers() != Edits.NONE && rule.pattern().matches(service)) {
        rule.trailers().apply(trailers);
      }
    }
  }
}

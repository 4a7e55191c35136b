package com.example.greeting;

import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.CallFilter;
import io.opizontas.gateway.api.FilterResult;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.Metadata;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.PluginMetrics;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.pf4j.Extension;

/**
 * A call filter as a third party would write one, against {@code gateway-api} alone.
 *
 * <pre>
 * [[chain]]
 * plugin = "example-greeting"
 * greeting = "hello from the gateway"     # default "hello"
 * header = "x-greeting"                   # default "x-greeting"
 * closed_methods = ["helloworld.Greeter/SayGoodbye"]
 * </pre>
 *
 * <p>Every call that goes through gets the greeting as a request header (the backend sees it) and as
 * a response header (the client sees it). Calls to a closed method are rejected with
 * PERMISSION_DENIED before they reach a backend.
 *
 * <p>{@code @Extension} is what makes PF4J's annotation processor list this class in {@code
 * META-INF/extensions.idx}; the gateway finds it there.
 */
@Extension
public final class GreetingFilter implements CallFilter {

  // Written once in start(), before the gateway sends any call: the runtime publishes them safely.
  private String header;
  private String greeting;
  private Set<String> closedMethods;
  private PluginMetrics.Counter rejected;

  @Override
  public void start(PluginConfig config, PluginContext context) {
    config.allowKeys("greeting", "header", "closed_methods");
    try {
      header = Metadata.checkWritableKey(config.string("header", "x-greeting"));
    } catch (IllegalArgumentException e) {
      throw config.invalid("header", e.getMessage());
    }
    try {
      greeting = Metadata.checkValue(header, config.string("greeting", "hello"));
    } catch (IllegalArgumentException e) {
      throw config.invalid("greeting", e.getMessage());
    }
    closedMethods = Set.copyOf(config.strings("closed_methods"));
    rejected = context.metrics().counter("closed_method_calls_total", "Calls rejected because their method is closed");
    context.logger().info("Greeting calls with {}: {}; closed methods: {}", header, greeting, closedMethods);
  }

  @Override
  public CompletionStage<FilterResult> onRequest(Call call) {
    if (closedMethods.contains(call.service() + "/" + call.method())) {
      rejected.increment();
      return CallFilter.reject(GrpcStatusCode.PERMISSION_DENIED, call.method() + " is closed");
    }
    call.requestHeaders().set(header, greeting);
    return CallFilter.proceed();
  }

  @Override
  public void onResponseHeaders(Call call, Metadata headers) {
    headers.set(header, greeting);
  }
}

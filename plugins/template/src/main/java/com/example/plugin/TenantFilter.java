package com.example.plugin;

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
 * Lets a call through only when its tenant header names a known tenant, and tells the backend and
 * later filters which tenant it is (the attribute {@code tenant}).
 */
@Extension
public final class TenantFilter implements CallFilter {

  // Written once in start(), before the first call: the runtime publishes them to every thread.
  private String header;
  private Set<String> tenants;
  private PluginMetrics.Counter refused;

  @Override
  public void start(PluginConfig config, PluginContext context) {
    config.allowKeys("header", "tenants");
    try {
      header = Metadata.checkWritableKey(config.string("header", "x-tenant"));
    } catch (IllegalArgumentException e) {
      throw config.invalid("header", e.getMessage());
    }
    tenants = Set.copyOf(config.strings("tenants"));
    if (tenants.isEmpty()) {
      throw config.invalid("tenants", "name at least one tenant");
    }
    refused = context.metrics().counter("refused_total", "Calls without a known tenant");
  }

  @Override
  public CompletionStage<FilterResult> onRequest(Call call) {
    String tenant = call.requestHeaders().get(header);
    if (tenant == null || !tenants.contains(tenant)) {
      refused.increment();
      return CallFilter.reject(GrpcStatusCode.PERMISSION_DENIED,
          tenant == null ? "no " + header + " header" : "unknown tenant '" + tenant + "'");
    }
    call.attributes().put("tenant", tenant);
    return CallFilter.proceed();
  }
}

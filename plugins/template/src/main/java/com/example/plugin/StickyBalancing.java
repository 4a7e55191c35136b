package com.example.plugin;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.BalancingStrategy;
import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.pf4j.Extension;

/**
 * Sends the calls that carry one value of a header to one endpoint (while the service's endpoints
 * stay the same), and calls without the header to a random endpoint.
 */
@Extension
public final class StickyBalancing implements BalancingStrategy {

  private String header;

  @Override
  public String id() {
    return "sticky";
  }

  @Override
  public void start(PluginConfig config, PluginContext context) {
    config.allowKeys("header");
    header = config.string("header", "x-session");
  }

  @Override
  public Balancer newBalancer(String service) {
    return this::pick; // no state per service: one balancer would do for all of them
  }

  private Endpoint pick(List<Endpoint> endpoints, Call call) {
    String key = call.requestHeaders().get(header);
    int index = key == null
        ? ThreadLocalRandom.current().nextInt(endpoints.size())
        : Math.floorMod(key.hashCode(), endpoints.size());
    return endpoints.get(index);
  }
}

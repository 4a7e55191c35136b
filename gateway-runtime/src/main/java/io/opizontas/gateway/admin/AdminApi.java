package io.opizontas.gateway.admin;

import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.health.HealthTable;
import io.opizontas.gateway.health.ProbeScheduler;
import io.opizontas.gateway.metrics.GatewayMetrics;
import io.opizontas.gateway.plugin.Plugins;
import io.opizontas.gateway.registration.LeaseLedger;
import io.opizontas.gateway.upstream.EndpointLoad;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The admin API (README.md, "Operations: admin API and status page"): JSON reads of services,
 * leases, plugins and the effective configuration ({@link AdminRoute.Access#READ}), and the actions
 * drain, undrain and probe now ({@link AdminRoute.Access#TOKEN}, POST only). Reads and actions run on admin threads and
 * only read or flip state the data path reads: nothing here waits for a call.
 */
public final class AdminApi {

  private final ServiceOverview services;
  private final HealthTable health;
  private final Supplier<ProbeScheduler> probes;
  private final Plugins plugins;
  private final Supplier<GatewayConfig> config;
  /** The registration API's leases, once it started; none without it. */
  private volatile Supplier<List<LeaseLedger.Lease>> leases = List::of;

  /**
   * @param config the configuration in use (a reload changes it)
   * @param probes the probes in use (a reload changes them); null when {@code [health]} probes
   *     nothing: probe-now is refused then
   */
  public AdminApi(Supplier<GatewayConfig> config, EndpointTable table, HealthTable health,
      Supplier<List<EndpointLoad>> loads, GatewayMetrics metrics,
      Plugins plugins, Supplier<ProbeScheduler> probes) {
    this.services = new ServiceOverview(table, health, loads, metrics);
    this.health = health;
    this.probes = probes;
    this.plugins = plugins;
    this.config = config;
  }

  /** Lists the leases of {@code ledger} from now on (the registration API starts after the admin listener). */
  public void watchLeases(LeaseLedger ledger) {
    leases = ledger::live;
  }

  /** The API's routes, to mount on the admin listener. */
  public List<AdminRoute> routes() {
    return List.of(
        new AdminRoute("/api/services", AdminRoute.Access.READ, new Read(services::read)),
        new AdminRoute("/api/leases", AdminRoute.Access.READ, new Read(() -> Map.of("leases", leases.get()))),
        new AdminRoute("/api/plugins", AdminRoute.Access.READ, new Read(() -> Map.of("plugins", plugins.loaded()))),
        new AdminRoute("/api/config", AdminRoute.Access.READ, new Read(() -> AdminJson.redacted(config.get()))),
        new AdminRoute("/api/endpoints/drain", AdminRoute.Access.TOKEN, new Action(query -> drain(query, true))),
        new AdminRoute("/api/endpoints/undrain", AdminRoute.Access.TOKEN, new Action(query -> drain(query, false))),
        new AdminRoute("/api/endpoints/probe", AdminRoute.Access.TOKEN, new Action(this::probe)));
  }

  /** What an action answers: an HTTP status and a JSON body. */
  private record Answer(int status, Object body) {
    static Answer refused(int status, String error) {
      return new Answer(status, Map.of("error", error));
    }
  }

  private Answer drain(Fields query, boolean drained) {
    String endpoint = query.getValue("endpoint");
    if (endpoint == null || endpoint.isBlank()) {
      return Answer.refused(HttpStatus.BAD_REQUEST_400, "give the endpoint: ?endpoint=host:port[&service=pkg.Service]");
    }
    String service = query.getValue("service");
    List<String> changed = health.drain(service, endpoint, drained);
    if (changed.isEmpty()) {
      return Answer.refused(HttpStatus.NOT_FOUND_404, service == null
          ? "no service has an endpoint at " + endpoint
          : "service " + service + " has no endpoint at " + endpoint);
    }
    return new Answer(HttpStatus.OK_200, Map.of("endpoint", endpoint, "services", changed,
        "drained", drained));
  }

  private Answer probe(Fields query) {
    ProbeScheduler probes = this.probes.get();
    if (probes == null) {
      return Answer.refused(HttpStatus.CONFLICT_409, "nothing is probed: [health] names no prober");
    }
    String endpoint = query.getValue("endpoint");
    String service = query.getValue("service");
    List<ProbeScheduler.Target> probed = probes.probeNow(service, endpoint);
    if (probed.isEmpty()) {
      return Answer.refused(HttpStatus.NOT_FOUND_404, "no probed endpoint matches"
          + (service == null ? "" : " service=" + service) + (endpoint == null ? "" : " endpoint=" + endpoint));
    }
    // The results arrive as probes answer: read them in /api/services.
    return new Answer(HttpStatus.ACCEPTED_202, Map.of("probing", probed));
  }

  /** A GET that answers what {@code read} returns. */
  private static final class Read extends Handler.Abstract {
    private final Supplier<Object> read;

    Read(Supplier<?> read) {
      this.read = read::get;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
        response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
        AdminJson.send(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, Map.of("error", "use GET"));
        return true;
      }
      AdminJson.send(response, callback, HttpStatus.OK_200, read.get());
      return true;
    }
  }

  /** A POST whose query names what to act on, such as {@code ?endpoint=10.0.0.5:50051}. */
  private static final class Action extends Handler.Abstract {
    private final Function<Fields, Answer> act;

    Action(Function<Fields, Answer> act) {
      this.act = act;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      // POST only: an action must not run from a link, a prefetch or an <img src>.
      if (!HttpMethod.POST.is(request.getMethod())) {
        response.getHeaders().put(HttpHeader.ALLOW, "POST");
        AdminJson.send(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, Map.of("error", "use POST"));
        return true;
      }
      Answer answer = act.apply(Request.extractQueryParameters(request));
      AdminJson.send(response, callback, answer.status(), answer.body());
      return true;
    }
  }
}

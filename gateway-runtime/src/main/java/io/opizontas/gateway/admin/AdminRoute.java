package io.opizontas.gateway.admin;

import java.util.Objects;
import org.eclipse.jetty.server.Handler;

/**
 * One thing served on the admin listener: a Jetty handler under a path spec ({@code "/metrics"}
 * exactly, {@code "/api/*"} for a subtree, as servlet path specs are written), with who may call it.
 *
 * @param pathSpec where the handler answers
 * @param access   what a caller must present
 * @param handler  the handler; it sees the request with its full path
 */
public record AdminRoute(String pathSpec, Access access, Handler handler) {

  public AdminRoute {
    Objects.requireNonNull(pathSpec, "pathSpec");
    Objects.requireNonNull(access, "access");
    Objects.requireNonNull(handler, "handler");
  }

  /** What a caller of a route must present. */
  public enum Access {
    /** Nothing, ever: liveness probes carry no credentials ({@code /healthz}). */
    OPEN,
    /**
     * A bearer token of {@code [[admin.tokens]]} when any is configured; nothing otherwise, so that
     * a scraper on the same machine works out of the box ({@code /metrics}, the admin API's reads).
     */
    READ,
    /** A bearer token of {@code [[admin.tokens]]}; without any configured, the route is refused. */
    TOKEN
  }
}

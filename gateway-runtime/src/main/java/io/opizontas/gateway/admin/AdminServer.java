package io.opizontas.gateway.admin;

import io.opizontas.gateway.auth.BearerTokens;
import io.opizontas.gateway.config.HostPort;
import io.opizontas.gateway.tls.ListenerTls;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.pathmap.PathSpec;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.PathMappingsHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener: HTTP/1.1 (over TLS when configured) on its own Jetty server, threads and
 * port, so that scrapes and admin calls never share a thread or a connection limit with the data
 * path. It serves the {@link AdminRoute}s it is started with, each behind its {@link AdminGuard};
 * any other path is 404.
 */
public final class AdminServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

  /** Scrapes and admin calls are few; a handful of threads (acceptor and selector included) do. */
  private static final int MAX_THREADS = 8;

  private final Server server;
  private final ServerConnector connector;

  private AdminServer(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  /**
   * Binds {@code listen} and serves {@code routes}.
   *
   * @param tokenSha256s hex SHA-256 of the tokens of {@code [[admin.tokens]]}
   * @param tls          HTTPS ({@code [admin.tls]}), or null for plain HTTP
   * @throws BindFailure when the address cannot be bound
   */
  public static AdminServer start(InetSocketAddress listen, List<String> tokenSha256s, List<AdminRoute> routes,
      ListenerTls tls) throws Exception {
    Map<String, Boolean> grants = new LinkedHashMap<>();
    tokenSha256s.forEach(sha256 -> grants.put(sha256, Boolean.TRUE));
    BearerTokens<Boolean> tokens = new BearerTokens<>(grants, "admin");
    PathMappingsHandler paths = new PathMappingsHandler();
    for (AdminRoute route : routes) {
      paths.addMapping(PathSpec.from(route.pathSpec()), new AdminGuard(route, tokens));
    }
    paths.addMapping(PathSpec.from("/"), new NotFound());

    QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 2);
    threads.setName("opizontas-admin");
    Server server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    HttpConnectionFactory http11 = new HttpConnectionFactory(http);
    ServerConnector connector;
    if (tls == null) {
      connector = new ServerConnector(server, 1, 1, http11);
    } else {
      SslConnectionFactory ssl = new SslConnectionFactory(tls.factory(), http11.getProtocol());
      ssl.addBean(tls.handshakeLog());
      connector = new ServerConnector(server, 1, 1, ssl, http11);
    }
    connector.setHost(listen.getHostString());
    connector.setPort(listen.getPort());
    server.addConnector(connector);
    server.setHandler(paths);
    server.setStopAtShutdown(false);
    try {
      server.start();
    } catch (IOException e) {
      server.stop();
      throw bindFailure(listen, e);
    }
    AdminServer admin = new AdminServer(server, connector);
    String url = (tls == null ? "http://" : "https://") + HostPort.format(admin.address());
    if (tokens.isEmpty()) {
      LOG.info("Admin listener on http://{} (no [[admin.tokens]]: /healthz, /metrics, the status page and the"
          + " admin API's reads are open, its actions are refused until a token is configured)",
          HostPort.format(admin.address()));
    } else {
      LOG.info("Admin listener on {} (bearer token required, except for /healthz)", url);
    }
    return admin;
  }

  private static BindFailure bindFailure(InetSocketAddress listen, IOException e) {
    String where = "admin.listen " + HostPort.format(listen);
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException bind && String.valueOf(bind.getMessage()).contains("in use")) {
        return new BindFailure(where + " is already in use; stop what listens there, choose another address"
            + " or set [admin] listen = \"off\"", e);
      }
    }
    return new BindFailure(where + " cannot be listened on: " + e.getMessage(), e);
  }

  /** The address the admin listener is bound to (the real port when the config asked for 0). */
  public InetSocketAddress address() {
    return new InetSocketAddress(connector.getHost(), connector.getLocalPort());
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }

  @Override
  public String toString() {
    return "admin listener";
  }

  /** The admin address cannot be bound; the message names {@code admin.listen}, the address and why. */
  public static final class BindFailure extends IOException {
    private static final long serialVersionUID = 1L;

    BindFailure(String message, IOException cause) {
      super(message, cause);
    }
  }

  /** Any path no route claims. */
  private static final class NotFound extends Handler.Abstract.NonBlocking {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      AdminGuard.refuse(response, callback, HttpStatus.NOT_FOUND_404, "no such admin path");
      return true;
    }
  }
}

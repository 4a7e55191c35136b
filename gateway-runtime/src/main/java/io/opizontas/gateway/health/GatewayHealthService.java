package io.opizontas.gateway.health;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.discovery.EndpointTable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's own {@code grpc.health.v1.Health}, so load balancers in front of it can ask whether
 * to send it calls. {@code ""} is the gateway itself: SERVING while it accepts calls, NOT_SERVING
 * from the start of a drain. Any other name is a routed service: SERVING while the gateway has a
 * routable endpoint for it, NOT_SERVING when it has none, NOT_FOUND (Check) or SERVICE_UNKNOWN
 * (Watch) when no registry ever reported it.
 *
 * <p>Hosted like the registration API on a loopback port only the gateway knows, and routed there
 * through the data path, so it is reached on the gateway's listener. At the start of a drain every
 * Watch gets NOT_SERVING and is then ended with UNAVAILABLE, so it does not hold the drain open.
 */
public final class GatewayHealthService extends HealthGrpc.HealthImplBase implements AutoCloseable {

  /** The service's name, reserved: no registry may supply endpoints for it. */
  public static final String SERVICE = HealthGrpc.SERVICE_NAME;

  private final HealthTable health;
  private final Set<Watch> watches = new CopyOnWriteArraySet<>();
  private final EndpointTable.Subscription changes;
  private volatile boolean serving = true;
  private Server server;

  public GatewayHealthService(HealthTable health) {
    this.health = health;
    this.changes = health.watch(service -> watches.forEach(Watch::update));
  }

  /** Binds 127.0.0.1 on an ephemeral port and returns where the gateway should route the service. */
  public Endpoint start() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(this)
        .build()
        .start();
    return Endpoint.of(InetAddress.getLoopbackAddress().getHostAddress(), server.getPort());
  }

  /** The gateway stops accepting calls: NOT_SERVING from now on, and Watch streams end. */
  public void draining() {
    serving = false;
    watches.forEach(Watch::drained);
  }

  private ServingStatus status(String service) {
    if (!serving) {
      return ServingStatus.NOT_SERVING;
    }
    if (service.isEmpty()) {
      return ServingStatus.SERVING;
    }
    List<?> routable = health.routable(service);
    if (routable == null) {
      return ServingStatus.SERVICE_UNKNOWN;
    }
    return routable.isEmpty() ? ServingStatus.NOT_SERVING : ServingStatus.SERVING;
  }

  @Override
  public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> response) {
    ServingStatus status = status(request.getService());
    if (status == ServingStatus.SERVICE_UNKNOWN) {
      response.onError(Status.NOT_FOUND.withDescription("unknown service " + request.getService()).asRuntimeException());
      return;
    }
    response.onNext(HealthCheckResponse.newBuilder().setStatus(status).build());
    response.onCompleted();
  }

  @Override
  public void watch(HealthCheckRequest request, StreamObserver<HealthCheckResponse> response) {
    Watch watch = new Watch(request.getService(), (ServerCallStreamObserver<HealthCheckResponse>) response);
    ((ServerCallStreamObserver<HealthCheckResponse>) response).setOnCancelHandler(() -> watches.remove(watch));
    watches.add(watch);
    watch.update();
    if (!serving) {
      watch.drained();
    }
  }

  @Override
  public void close() throws InterruptedException {
    changes.close();
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** One Watch stream: sends the service's status whenever it differs from the last one sent. */
  private final class Watch {
    private final String service;
    private final ServerCallStreamObserver<HealthCheckResponse> out;
    // Guarded by this.
    private ServingStatus sent;
    private boolean ended;

    Watch(String service, ServerCallStreamObserver<HealthCheckResponse> out) {
      this.service = service;
      this.out = out;
    }

    synchronized void update() {
      ServingStatus now = status(service);
      if (!ended && now != sent && !out.isCancelled()) {
        sent = now;
        out.onNext(HealthCheckResponse.newBuilder().setStatus(now).build());
      }
    }

    synchronized void drained() {
      update();
      if (!ended && !out.isCancelled()) {
        ended = true;
        out.onError(Status.UNAVAILABLE.withDescription("the gateway is draining").asRuntimeException());
      }
      watches.remove(this);
    }
  }
}

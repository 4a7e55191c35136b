package io.opizontas.gateway.registration;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.opizontas.gateway.api.Durations;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.Registrar;
import io.opizontas.gateway.api.RegistryLease;
import io.opizontas.gateway.config.HostPort;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.registry.v1.DeregisterRequest;
import io.opizontas.registry.v1.DeregisterResponse;
import io.opizontas.registry.v1.KeepAliveRequest;
import io.opizontas.registry.v1.KeepAliveResponse;
import io.opizontas.registry.v1.LeaseStatus;
import io.opizontas.registry.v1.RegisterRequest;
import io.opizontas.registry.v1.RegisterResponse;
import io.opizontas.registry.v1.RegistryGrpc;
import io.opizontas.registry.v1.WatchRequest;
import io.opizontas.registry.v1.WatchResponse;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code opizontas.registry.v1.Registry}: validates and authorizes each call, then hands it to the
 * configured {@link Registrar} (writes) or the {@link EndpointTable} (watches).
 *
 * <p>A rejected call changes nothing: every check runs before the registrar is touched. A registrar
 * that throws fails that call with UNAVAILABLE and nothing else.
 */
final class RegistryService extends RegistryGrpc.RegistryImplBase {

  static final String SERVICE_NAME = RegistryGrpc.SERVICE_NAME;

  private static final Logger LOG = LoggerFactory.getLogger(RegistryService.class);
  private static final Pattern SERVICE =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
  private static final int MAX_SERVICES = 256;
  private static final int MAX_SERVICE_NAME = 256;
  private static final int MAX_METADATA = 64;
  private static final int MAX_LEASES_PER_KEEPALIVE = 1024;

  private final Registrar registrar;
  private final Duration leaseTtl;
  private final LoopGuard loopGuard;
  private final EndpointTable table;
  private final LeaseLedger leases;

  RegistryService(Registrar registrar, Duration leaseTtl, LoopGuard loopGuard, EndpointTable table,
      LeaseLedger leases) {
    this.leases = leases;
    this.registrar = registrar;
    this.leaseTtl = leaseTtl;
    this.loopGuard = loopGuard;
    this.table = table;
  }

  @Override
  public void register(RegisterRequest request, StreamObserver<RegisterResponse> response) {
    try {
      Set<String> services = Set.copyOf(authorizedServices(request.getServicesList()));
      Endpoint endpoint;
      try {
        endpoint = RegistryMessages.fromProto(request.getEndpoint());
      } catch (IllegalArgumentException e) {
        throw invalid(e.getMessage());
      }
      ServiceScope scope = CallerInterceptor.SCOPE.get();
      if (!scope.permitsAddress(endpoint.host())) {
        throw Status.PERMISSION_DENIED
            .withDescription(scope.caller() + " may not register endpoints at " + endpoint.host())
            .asRuntimeException();
      }
      if (endpoint.metadata().size() > MAX_METADATA) {
        throw invalid("endpoint.metadata has more than " + MAX_METADATA + " entries");
      }
      Optional<InetSocketAddress> self = loopGuard.listenerReachedBy(endpoint);
      if (self.isPresent()) {
        throw invalid("endpoint " + endpoint.address() + " is the gateway's own listener ("
            + HostPort.format(self.get()) + "): calls to it would loop through the gateway");
      }
      RegistryLease lease = call("register", () -> registrar.register(services, endpoint, leaseTtl));
      leases.granted(lease.id(), lease.ttl(), services, endpoint.address());
      LOG.info("registered {} at {} (lease {}, ttl {})", services, endpoint.address(),
          shortId(lease.id()), Durations.format(lease.ttl()));
      response.onNext(
          RegisterResponse.newBuilder()
              .setLeaseId(lease.id())
              .setTtl(RegistryMessages.toProto(lease.ttl()))
              .build());
      response.onCompleted();
    } catch (StatusRuntimeException e) {
      response.onError(e);
    }
  }

  @Override
  public StreamObserver<KeepAliveRequest> keepAlive(StreamObserver<KeepAliveResponse> response) {
    return new StreamObserver<>() {
      @Override
      public void onNext(KeepAliveRequest request) {
        try {
          if (request.getLeaseIdsCount() > MAX_LEASES_PER_KEEPALIVE) {
            throw invalid("more than " + MAX_LEASES_PER_KEEPALIVE + " lease ids in one keep-alive");
          }
          ServiceScope scope = CallerInterceptor.SCOPE.get();
          // Every lease is checked before any is renewed, so a refused keep-alive renews nothing.
          for (String leaseId : request.getLeaseIdsList()) {
            authorizeLease(scope, leaseId);
          }
          KeepAliveResponse.Builder answer = KeepAliveResponse.newBuilder();
          for (String leaseId : request.getLeaseIdsList()) {
            Optional<Duration> ttl = call("keepAlive", () -> registrar.keepAlive(leaseId));
            ttl.ifPresentOrElse(renewed -> leases.renewed(leaseId, renewed), () -> leases.unknown(leaseId));
            answer.addLeases(
                LeaseStatus.newBuilder()
                    .setLeaseId(leaseId)
                    .setFound(ttl.isPresent())
                    .setTtl(RegistryMessages.toProto(ttl.orElse(Duration.ZERO))));
          }
          response.onNext(answer.build());
        } catch (StatusRuntimeException e) {
          response.onError(e);
        }
      }

      @Override
      public void onError(Throwable t) {
        // The client went away; its leases run out on their own unless it comes back.
      }

      @Override
      public void onCompleted() {
        response.onCompleted();
      }
    };
  }

  @Override
  public void deregister(DeregisterRequest request, StreamObserver<DeregisterResponse> response) {
    try {
      if (request.getLeaseId().isEmpty()) {
        throw invalid("lease_id is empty");
      }
      String leaseId = request.getLeaseId();
      Optional<Set<String>> services = authorizeLease(CallerInterceptor.SCOPE.get(), leaseId);
      boolean found = services.isPresent() && call("deregister", () -> registrar.deregister(leaseId));
      if (found) {
        leases.deregistered(leaseId);
        LOG.info("deregistered {} (lease {})", services.get(), shortId(leaseId));
      }
      response.onNext(DeregisterResponse.newBuilder().setFound(found).build());
      response.onCompleted();
    } catch (StatusRuntimeException e) {
      response.onError(e);
    }
  }

  @Override
  public void watch(WatchRequest request, StreamObserver<WatchResponse> response) {
    try {
      List<String> services = authorizedServices(request.getServicesList());
      new WatchStream(services, (ServerCallStreamObserver<WatchResponse>) response)
          .start(table);
    } catch (StatusRuntimeException e) {
      response.onError(e);
    }
  }

  /** The requested services, each well-formed and inside the caller's scope, in request order. */
  private static List<String> authorizedServices(List<String> requested) {
    if (requested.isEmpty()) {
      throw invalid("services is empty: name at least one service");
    }
    if (requested.size() > MAX_SERVICES) {
      throw invalid("more than " + MAX_SERVICES + " services in one request");
    }
    ServiceScope scope = CallerInterceptor.SCOPE.get();
    Set<String> services = new LinkedHashSet<>();
    for (String service : requested) {
      if (service.length() > MAX_SERVICE_NAME || !SERVICE.matcher(service).matches()) {
        throw invalid("'" + service + "' is not a gRPC service name such as helloworld.Greeter");
      }
      if (EndpointTable.GATEWAY_SERVICES.contains(service)) {
        throw Status.PERMISSION_DENIED
            .withDescription(service + " is served by the gateway itself")
            .asRuntimeException();
      }
      if (!scope.permits(service)) {
        throw Status.PERMISSION_DENIED
            .withDescription(scope.caller() + " may not use service '" + service + "' (scope " + scope + ")")
            .asRuntimeException();
      }
      services.add(service);
    }
    return List.copyOf(services);
  }

  /**
   * The services of lease {@code leaseId}, once the caller's scope is found to cover every one of
   * them; empty when the lease is unknown.
   *
   * @throws StatusRuntimeException PERMISSION_DENIED when the lease holds a service outside the scope
   */
  private Optional<Set<String>> authorizeLease(ServiceScope scope, String leaseId) {
    Optional<Set<String>> services = call("services", () -> registrar.services(leaseId));
    services.ifPresent(held -> {
      for (String service : held) {
        if (!scope.permits(service)) {
          throw Status.PERMISSION_DENIED
              .withDescription("lease " + shortId(leaseId) + " holds service '" + service
                  + "', which " + scope.caller() + " may not use (scope " + scope + ")")
              .asRuntimeException();
        }
      }
    });
    return services;
  }

  /** Enough of a lease id to follow it through the log without handing out the credential it is. */
  static String shortId(String leaseId) {
    return leaseId.substring(0, Math.min(6, leaseId.length())) + "…";
  }

  /** Runs a registrar call; whatever it throws fails this call only, as UNAVAILABLE. */
  private static <T> T call(String what, RegistrarCall<T> body) {
    try {
      return body.run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.UNAVAILABLE.withDescription("registry " + what + " interrupted").asRuntimeException();
    } catch (Exception e) {
      LOG.warn("registry backend failed a {} call", what, e);
      throw Status.UNAVAILABLE
          .withDescription("registry backend failed: " + e.getMessage())
          .withCause(e)
          .asRuntimeException();
    }
  }

  private static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }

  @FunctionalInterface
  private interface RegistrarCall<T> {
    T run() throws Exception;
  }
}

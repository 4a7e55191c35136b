package io.opizontas.gateway.client;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.opizontas.registry.v1.DeregisterRequest;
import io.opizontas.registry.v1.Endpoint;
import io.opizontas.registry.v1.KeepAliveRequest;
import io.opizontas.registry.v1.KeepAliveResponse;
import io.opizontas.registry.v1.LeaseStatus;
import io.opizontas.registry.v1.RegisterRequest;
import io.opizontas.registry.v1.RegisterResponse;
import io.opizontas.registry.v1.RegistryGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Registers a service instance with an Opizontas gateway and keeps it registered.
 *
 * <pre>{@code
 * GatewayRegistration registration = GatewayRegistration.builder()
 *     .gateway("gateway-a.internal:50051")
 *     .gateway("gateway-b.internal:50051") // optional: more gateways sharing one registry
 *     .token(System.getenv("OPIZONTAS_TOKEN"))
 *     .service("helloworld.Greeter")
 *     .address("10.0.0.7", server.getPort())
 *     .start();
 * ...
 * registration.close(); // deregisters: the gateway stops routing here at once
 * }</pre>
 *
 * <p>{@link Builder#start()} registers once, synchronously, so a wrong token or address fails at
 * start-up. After that, one thread of its own renews the lease on a {@code KeepAlive} stream (every
 * third of the TTL by default) and registers again, with jittered exponential backoff, whenever the
 * gateway answers that it does not know the lease (a restarted in-memory registry, a lost ZooKeeper
 * session) or the stream breaks. Registration is idempotent on the gateway, so registering again
 * while the old lease lives simply renews it.
 *
 * <p>Given several gateways (sharing a registry, such as ZooKeeper), it talks to one at a time and
 * fails over: when the keep-alive stream breaks it renews the same lease through the next gateway,
 * and a registration that finds a gateway unreachable tries the next one.
 *
 * <p>Uses grpc-java's default transport from the class path (netty or okhttp, which a grpc-java
 * service already has), unless a channel is given.
 */
public final class GatewayRegistration implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(GatewayRegistration.class.getName());
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(10);

  private final List<Target> targets;
  private final boolean ownsChannels;
  private final RegisterRequest request;
  private final Duration heartbeatInterval;
  private final ScheduledExecutorService thread;

  /** One gateway: its channel and the stubs that send the token. */
  private record Target(
      ManagedChannel channel, RegistryGrpc.RegistryBlockingStub blocking, RegistryGrpc.RegistryStub async) {}

  // Touched only on `thread` (and by start() before the thread runs anything).
  private int current; // index into targets of the gateway in use
  private int streamFailures; // keep-alive streams broken in a row without an answer
  private String leaseId;
  private Duration ttl;
  private int generation;
  private ClientCallStreamObserver<KeepAliveRequest> stream;
  private ScheduledFuture<?> heartbeat;
  private Duration backoff = FIRST_BACKOFF;
  private volatile boolean closed;
  private volatile String currentLease;

  private GatewayRegistration(Builder builder) {
    this.ownsChannels = builder.channel == null;
    List<ManagedChannel> channels =
        builder.channel != null
            ? List.of(builder.channel)
            : builder.gateways.stream()
                .map(gateway -> builder.tls == null
                    ? (ManagedChannel) ManagedChannelBuilder.forTarget(gateway).usePlaintext().build()
                    : Grpc.newChannelBuilder(gateway, builder.tls).build())
                .toList();
    Metadata headers = new Metadata();
    if (builder.token != null) {
      headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + builder.token);
    }
    this.targets = channels.stream()
        .map(channel -> new Target(channel,
            RegistryGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)),
            RegistryGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))))
        .toList();
    this.request =
        RegisterRequest.newBuilder()
            .addAllServices(builder.services)
            .setEndpoint(
                Endpoint.newBuilder()
                    .setHost(builder.host)
                    .setPort(builder.port)
                    .setWeight(builder.weight)
                    .setZone(builder.zone)
                    .putAllMetadata(builder.metadata))
            .build();
    this.heartbeatInterval = builder.heartbeatInterval;
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread t = new Thread(task, "gateway-registration");
              t.setDaemon(true);
              return t;
            });
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The current lease id, or null while the instance is not registered (between attempts). */
  public String leaseId() {
    return currentLease;
  }

  /** Ends the lease (the gateway stops routing here at once) and stops renewing. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      thread.submit(this::stop).get(CALL_DEADLINE.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.log(System.Logger.Level.WARNING, "deregistration did not finish: " + e);
    } finally {
      thread.shutdownNow();
      shutDownChannels();
    }
  }

  private void shutDownChannels() {
    if (ownsChannels) {
      targets.forEach(target -> target.channel().shutdownNow());
    }
  }

  private void stop() {
    endStream();
    if (leaseId != null) {
      try {
        String lease = leaseId;
        onAnyGateway(target -> target.blocking()
            .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
            .deregister(DeregisterRequest.newBuilder().setLeaseId(lease).build()));
      } catch (StatusRuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "deregistering lease failed (it will lapse on its own): " + e.getStatus());
      }
      leaseId = null;
      currentLease = null;
    }
  }

  /** The first registration: on the caller's thread, failing loudly. */
  private void firstRegistration() {
    RegisterResponse response = register();
    currentLease = response.getLeaseId();
    thread.execute(() -> registered(response));
  }

  private RegisterResponse register() {
    return onAnyGateway(target ->
        target.blocking().withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).register(request));
  }

  /**
   * Runs {@code call} on the gateway in use or, while gateways are unreachable, on the next ones;
   * the first that answers becomes the one in use. A refusal (bad token, bad address) is final.
   */
  private <T> T onAnyGateway(Function<Target, T> call) {
    StatusRuntimeException last = null;
    for (int i = 0; i < targets.size(); i++) {
      int index = (current + i) % targets.size();
      try {
        T answer = call.apply(targets.get(index));
        current = index;
        return answer;
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
          throw e;
        }
        last = e;
      }
    }
    throw last;
  }

  private void registered(RegisterResponse response) {
    leaseId = response.getLeaseId();
    currentLease = leaseId;
    ttl = Duration.ofSeconds(response.getTtl().getSeconds(), response.getTtl().getNanos());
    backoff = FIRST_BACKOFF;
    openStream();
  }

  private void openStream() {
    int mine = ++generation;
    targets.get(current).async().keepAlive(
        new ClientResponseObserver<KeepAliveRequest, KeepAliveResponse>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<KeepAliveRequest> requests) {
            stream = requests;
          }

          @Override
          public void onNext(KeepAliveResponse response) {
            onThread(mine, () -> streamFailures = 0);
            for (LeaseStatus status : response.getLeasesList()) {
              if (!status.getFound()) {
                onThread(mine, () -> lost("the gateway does not know the lease"));
              }
            }
          }

          @Override
          public void onError(Throwable t) {
            onThread(mine, () -> broken("the keep-alive stream broke: " + t));
          }

          @Override
          public void onCompleted() {
            onThread(mine, () -> broken("the gateway ended the keep-alive stream"));
          }
        });
    Duration every = heartbeatInterval != null ? heartbeatInterval : ttl.dividedBy(3);
    long millis = Math.max(100, every.toMillis());
    heartbeat = thread.scheduleWithFixedDelay(this::beat, millis, millis, TimeUnit.MILLISECONDS);
  }

  private void beat() {
    if (stream != null && leaseId != null) {
      try {
        stream.onNext(KeepAliveRequest.newBuilder().addLeaseIds(leaseId).build());
      } catch (RuntimeException e) {
        // The stream is closing; its onError/onCompleted re-registers.
      }
    }
  }

  /** Runs a stream callback on our thread, unless that stream has since been replaced. */
  private void onThread(int streamGeneration, Runnable action) {
    if (closed) {
      return;
    }
    try {
      thread.execute(() -> {
        if (!closed && streamGeneration == generation) {
          action.run();
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  /**
   * The keep-alive stream ended: renew the same lease through the next gateway, which knows it when
   * the gateways share a registry (when it does not, its answer makes us register again). Once every
   * gateway has failed in a row, register again with backoff.
   */
  private void broken(String why) {
    endStream();
    current = (current + 1) % targets.size();
    if (++streamFailures < targets.size()) {
      LOG.log(System.Logger.Level.INFO,
          "renewing " + request.getServicesList() + " through gateway #" + current + ": " + why);
      openStream();
    } else {
      streamFailures = 0;
      lost(why);
    }
  }

  private void lost(String why) {
    LOG.log(System.Logger.Level.INFO, "registering " + request.getServicesList() + " again: " + why);
    endStream();
    currentLease = null;
    retry();
  }

  private void retry() {
    if (closed) {
      return;
    }
    try {
      registered(register());
    } catch (StatusRuntimeException e) {
      long jittered = (long) (backoff.toMillis() * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
      LOG.log(System.Logger.Level.WARNING,
          "registration of " + request.getServicesList() + " failed (" + e.getStatus() + "); retrying in " + jittered + " ms");
      backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      thread.schedule(this::retry, jittered, TimeUnit.MILLISECONDS);
    }
  }

  private void endStream() {
    generation++;
    if (heartbeat != null) {
      heartbeat.cancel(false);
      heartbeat = null;
    }
    if (stream != null) {
      try {
        stream.onCompleted();
      } catch (RuntimeException e) {
        // already broken
      }
      stream = null;
    }
  }

  /** What to register, and where. */
  public static final class Builder {
    private final List<String> gateways = new ArrayList<>();
    private ManagedChannel channel;
    private ChannelCredentials tls;
    private String token;
    private final List<String> services = new ArrayList<>();
    private String host;
    private int port;
    private int weight = 1;
    private String zone = "";
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private Duration heartbeatInterval;

    private Builder() {}

    /**
     * A gateway's address, {@code host:port} or any grpc-java target; plaintext. Call once per
     * gateway: with several (sharing one registry), the registration fails over between them.
     */
    public Builder gateway(String target) {
      gateways.add(Objects.requireNonNull(target, "target"));
      return this;
    }

    /** A channel to the gateway (TLS, custom resolver...); it is not shut down on {@link #close()}. */
    public Builder channel(ManagedChannel channel) {
      this.channel = Objects.requireNonNull(channel, "channel");
      return this;
    }

    /**
     * Speak TLS to the gateways named with {@link #gateway}, trusting the authorities of {@code
     * caBundle} (PEM) and presenting the certificate chain {@code certificateChain} with its key
     * {@code privateKey} (PEM, PKCS#8): with a {@code [[registration.certificates]]} entry for the
     * certificate's identity, no token is needed. Without a certificate, pass null for both.
     *
     * @throws UncheckedIOException when a file cannot be read
     */
    public Builder tls(Path caBundle, Path certificateChain, Path privateKey) {
      try {
        TlsChannelCredentials.Builder credentials = TlsChannelCredentials.newBuilder().trustManager(caBundle.toFile());
        if (certificateChain != null) {
          credentials.keyManager(certificateChain.toFile(), privateKey.toFile());
        }
        this.tls = credentials.build();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    /** The registration token, sent as {@code authorization: Bearer <token>}. */
    public Builder token(String token) {
      this.token = Objects.requireNonNull(token, "token");
      return this;
    }

    /** A fully qualified gRPC service name served at the address; call once per service. */
    public Builder service(String service) {
      services.add(Objects.requireNonNull(service, "service"));
      return this;
    }

    /** Where the gateway should send calls: this instance's reachable host and port. */
    public Builder address(String host, int port) {
      this.host = Objects.requireNonNull(host, "host");
      this.port = port;
      return this;
    }

    /** Relative share of traffic for weighted balancing (default 1). */
    public Builder weight(int weight) {
      this.weight = weight;
      return this;
    }

    /** Locality of this instance, e.g. a zone name. */
    public Builder zone(String zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /** A free-form label visible to the gateway's balancers and watchers. */
    public Builder metadata(String key, String value) {
      metadata.put(key, value);
      return this;
    }

    /** How often to renew; default a third of the TTL the gateway grants. */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    /**
     * Registers now and keeps the registration alive until {@link GatewayRegistration#close()}.
     *
     * @throws StatusRuntimeException when the gateway refuses the first registration
     *     (UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT) or cannot be reached (UNAVAILABLE)
     */
    public GatewayRegistration start() {
      if (gateways.isEmpty() && channel == null) {
        throw new IllegalStateException("name the gateway (gateway(\"host:port\")) or give a channel");
      }
      if (services.isEmpty()) {
        throw new IllegalStateException("name at least one service");
      }
      if (host == null) {
        throw new IllegalStateException("give this instance's address(host, port)");
      }
      GatewayRegistration registration = new GatewayRegistration(this);
      try {
        registration.firstRegistration();
      } catch (RuntimeException e) {
        registration.closed = true;
        registration.thread.shutdownNow();
        registration.shutDownChannels();
        throw e;
      }
      return registration;
    }
  }
}

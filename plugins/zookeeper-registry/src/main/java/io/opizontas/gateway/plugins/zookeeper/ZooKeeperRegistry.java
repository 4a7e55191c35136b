package io.opizontas.gateway.plugins.zookeeper;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.EndpointSink;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginConfigException;
import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.Registrar;
import io.opizontas.gateway.api.RegistryBackend;
import io.opizontas.gateway.api.RegistryLease;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.common.PathUtils;
import org.pf4j.Extension;
import org.slf4j.Logger;

/**
 * A registry in ZooKeeper ({@code plugin = "zookeeper"}), shared by every gateway pointed at the
 * same ensemble and base path.
 *
 * <p><b>Reading.</b> A {@link CuratorCache} mirrors {@code <base_path>/<service>/<instance>} and
 * reports each service's instances as they change. The layout and JSON are those of Curator's
 * service-discovery recipe, so services that already register with {@code curator-x-discovery}
 * are routed without code changes. During an outage the cache keeps its last view, and so does the
 * routing table.
 *
 * <p><b>Writing.</b> A registration made through this gateway becomes one ephemeral node per
 * service, named by the lease id. The lease is timed here; when it lapses (or is deregistered) the
 * nodes are deleted, and when this gateway dies, or its ZooKeeper session ends, ZooKeeper deletes
 * them. A lease is bound to the session its nodes were created in: once that session is gone the
 * lease is forgotten, the client hears "unknown lease" on its next keep-alive and registers again,
 * through whichever gateway it talks to.
 *
 * <p>Settings: {@code connect} (required, {@code "zk1:2181,zk2:2181"}), {@code base_path} (default
 * {@code "/opizontas/services"}), {@code session_timeout} (default 15s), {@code connection_timeout}
 * (default 5s; also bounds start-up).
 */
@Extension
public final class ZooKeeperRegistry implements RegistryBackend, Registrar {

  private static final SecureRandom IDS = new SecureRandom();

  private final Object writes = new Object();
  private final Map<String, Lease> leases = new ConcurrentHashMap<>();
  private final Map<LeaseKey, Lease> byKey = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Endpoint>> instances = new HashMap<>();
  private final Set<String> unreadable = ConcurrentHashMap.newKeySet();
  private CuratorFramework client;
  private CuratorCache cache;
  private String basePath;
  private String connect;
  private EndpointSink sink;
  private Clock clock;
  private ScheduledExecutorService scheduler;
  private Logger log;
  private volatile long session;

  private record LeaseKey(Set<String> services, String address) {}

  private static final class Lease {
    final String id;
    final LeaseKey key;
    final Duration ttl;
    final long session;
    volatile Endpoint endpoint;
    volatile long deadline;
    ScheduledFuture<?> timer;

    Lease(String id, LeaseKey key, Duration ttl, long session) {
      this.id = id;
      this.key = key;
      this.ttl = ttl;
      this.session = session;
    }
  }

  @Override
  public void start(PluginConfig config, PluginContext context, EndpointSink sink) throws Exception {
    config.allowKeys("connect", "base_path", "session_timeout", "connection_timeout");
    connect =
        config.string("connect").orElseThrow(
            () -> new PluginConfigException("connect", "is required: the ZooKeeper connection string, e.g. \"zk1:2181,zk2:2181\""));
    basePath = config.string("base_path", "/opizontas/services");
    try {
      PathUtils.validatePath(basePath);
    } catch (IllegalArgumentException e) {
      throw new PluginConfigException("base_path", e.getMessage());
    }
    if (basePath.equals("/")) {
      throw new PluginConfigException("base_path", "must not be the root: name a node such as \"/services\"");
    }
    Duration sessionTimeout = config.duration("session_timeout", Duration.ofSeconds(15));
    Duration connectionTimeout = config.duration("connection_timeout", Duration.ofSeconds(5));
    this.sink = sink;
    this.clock = context.clock();
    this.scheduler = context.scheduler();
    this.log = context.logger();

    client =
        CuratorFrameworkFactory.builder()
            .connectString(connect)
            .sessionTimeoutMs((int) sessionTimeout.toMillis())
            .connectionTimeoutMs((int) connectionTimeout.toMillis())
            // Few retries: a registration during an outage should fail soon (UNAVAILABLE, the
            // client backs off), not hold a registration thread for minutes.
            .retryPolicy(new BoundedExponentialBackoffRetry(100, 1_000, 3))
            .build();
    client.getConnectionStateListenable().addListener((c, state) -> connectionChanged(state));
    client.start();
    try {
      if (!client.blockUntilConnected((int) connectionTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IOException("ZooKeeper at " + connect + " not reachable within " + connectionTimeout);
      }
      session = client.getZookeeperClient().getZooKeeper().getSessionId();
      client.createContainers(basePath);
      CountDownLatch loaded = new CountDownLatch(1);
      cache = CuratorCache.build(client, basePath);
      cache.listenable().addListener(
          CuratorCacheListener.builder().forAll(this::nodeChanged).forInitialized(loaded::countDown).build());
      cache.start();
      if (!loaded.await(connectionTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IOException("could not read " + basePath + " from ZooKeeper at " + connect + " within " + connectionTimeout);
      }
      context.metrics().gauge("zookeeper_registry_leases", "Leases held by this gateway", leases::size);
      log.info("zookeeper registry: {} services under {} at {}", instanceCount(), basePath, connect);
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  @Override
  public Optional<Registrar> registrar() {
    return Optional.of(this);
  }

  // ---- reading ----

  private synchronized void nodeChanged(CuratorCacheListener.Type type, ChildData before, ChildData after) {
    ChildData node = after != null ? after : before;
    String relative = node.getPath().length() > basePath.length() ? node.getPath().substring(basePath.length() + 1) : "";
    String[] parts = relative.split("/");
    if (parts.length != 2) {
      return; // the base or a service node; instances are one level further down
    }
    String service = parts[0];
    String instance = parts[1];
    Map<String, Endpoint> current = instances.computeIfAbsent(service, s -> new HashMap<>());
    Endpoint endpoint = null;
    if (type != CuratorCacheListener.Type.NODE_DELETED) {
      try {
        endpoint = ServiceInstanceJson.read(after.getData());
        unreadable.remove(node.getPath());
      } catch (IOException e) {
        if (unreadable.add(node.getPath())) {
          log.warn("zookeeper registry: ignoring {}: not a service instance ({})", node.getPath(), e.getMessage());
        }
      }
    } else {
      unreadable.remove(node.getPath());
    }
    Endpoint previous = endpoint == null ? current.remove(instance) : current.put(instance, endpoint);
    if (!java.util.Objects.equals(previous, endpoint)) {
      sink.update(service, Set.copyOf(current.values()));
    }
    if (current.isEmpty()) {
      instances.remove(service);
    }
  }

  private synchronized int instanceCount() {
    return instances.size();
  }

  // ---- writing ----

  @Override
  public RegistryLease register(Set<String> services, Endpoint endpoint, Duration ttl) throws Exception {
    synchronized (writes) {
      LeaseKey key = new LeaseKey(Set.copyOf(services), endpoint.address());
      Lease lease = byKey.get(key);
      if (lease != null && lease.session != session) {
        forget(lease, "its ZooKeeper session ended");
        lease = null;
      }
      if (lease == null) {
        lease = new Lease(newId(), key, ttl, session);
        try {
          writeNodes(lease, endpoint);
        } catch (Exception e) {
          deleteNodes(lease);
          throw e;
        }
        lease.endpoint = endpoint;
        lease.deadline = clock.millis() + ttl.toMillis();
        leases.put(lease.id, lease);
        byKey.put(key, lease);
        arm(lease, ttl.toMillis());
      } else {
        if (!endpoint.equals(lease.endpoint)) {
          writeNodes(lease, endpoint);
          lease.endpoint = endpoint;
        }
        lease.deadline = clock.millis() + lease.ttl.toMillis();
      }
      return new RegistryLease(lease.id, lease.ttl);
    }
  }

  @Override
  public Optional<Duration> keepAlive(String leaseId) {
    Lease lease = leases.get(leaseId);
    if (lease == null) {
      return Optional.empty();
    }
    if (lease.session != session) {
      synchronized (writes) {
        forget(lease, "its ZooKeeper session ended");
      }
      return Optional.empty();
    }
    lease.deadline = clock.millis() + lease.ttl.toMillis();
    return Optional.of(lease.ttl);
  }

  @Override
  public boolean deregister(String leaseId) {
    synchronized (writes) {
      Lease lease = leases.get(leaseId);
      if (lease == null) {
        return false;
      }
      forget(lease, null);
      return true;
    }
  }

  private void writeNodes(Lease lease, Endpoint endpoint) throws Exception {
    long now = clock.millis();
    for (String service : lease.key.services()) {
      String path = ZKPaths.makePath(basePath, service, lease.id);
      byte[] data = ServiceInstanceJson.write(service, lease.id, endpoint, now);
      try {
        client.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(path, data);
      } catch (KeeperException.NodeExistsException e) {
        client.setData().forPath(path, data);
      }
    }
  }

  /** Deletes a lease's nodes; a node already gone is fine, and Curator retries after a disconnect. */
  private void deleteNodes(Lease lease) {
    for (String service : lease.key.services()) {
      try {
        client.delete().guaranteed().forPath(ZKPaths.makePath(basePath, service, lease.id));
      } catch (KeeperException.NoNodeException e) {
        // already gone with its session
      } catch (Exception e) {
        log.warn("zookeeper registry: deleting lease nodes failed, retrying in the background: {}", e.toString());
      }
    }
  }

  private void arm(Lease lease, long delayMillis) {
    lease.timer = scheduler.schedule(() -> expire(lease), delayMillis, TimeUnit.MILLISECONDS);
  }

  private void expire(Lease lease) {
    synchronized (writes) {
      if (leases.get(lease.id) != lease) {
        return;
      }
      long left = lease.deadline - clock.millis();
      if (left > 0) {
        arm(lease, left);
      } else {
        forget(lease, "its TTL lapsed");
      }
    }
  }

  /** Drops a lease and its nodes. Called with {@link #writes} held. */
  private void forget(Lease lease, String why) {
    if (!leases.remove(lease.id, lease)) {
      return;
    }
    byKey.remove(lease.key, lease);
    if (lease.timer != null) {
      lease.timer.cancel(false);
    }
    if (why != null) {
      log.info("zookeeper registry: lease of {} at {} ended: {}", lease.key.services(), lease.key.address(), why);
    }
    deleteNodes(lease);
  }

  private void connectionChanged(ConnectionState state) {
    switch (state) {
      case SUSPENDED -> log.warn("zookeeper registry: connection to {} suspended; routing on the last known endpoints", connect);
      case LOST -> {
        log.warn("zookeeper registry: session with {} lost; its leases end and clients will register again", connect);
        forgetOtherSessions();
      }
      case CONNECTED, RECONNECTED -> {
        try {
          session = client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
          log.warn("zookeeper registry: cannot read the session id: {}", e.toString());
        }
        log.info("zookeeper registry: connected to {}", connect);
        forgetOtherSessions();
      }
      default -> {}
    }
  }

  /** Leases whose nodes lived in an earlier session are gone from ZooKeeper: forget them too. */
  private void forgetOtherSessions() {
    scheduler.execute(() -> {
      synchronized (writes) {
        List<Lease> stale = leases.values().stream().filter(l -> l.session != session).toList();
        stale.forEach(lease -> forget(lease, "its ZooKeeper session ended"));
      }
    });
  }

  @Override
  public void close() {
    if (cache != null) {
      cache.close();
    }
    synchronized (writes) {
      leases.values().forEach(lease -> {
        if (lease.timer != null) {
          lease.timer.cancel(false);
        }
      });
      leases.clear();
      byKey.clear();
    }
    if (client != null) {
      // Closing the session deletes this gateway's ephemeral nodes at once.
      client.close();
    }
  }

  private static String newId() {
    byte[] bytes = new byte[16];
    IDS.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** For tests: the Curator client, to expire its session as a crash would. */
  CuratorFramework curator() {
    return client;
  }
}

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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.common.PathUtils;
import org.apache.zookeeper.data.Stat;
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
 * <p><b>Writing.</b> A lease belongs to the ensemble, not to the gateway that accepted it. A
 * registration becomes, in one transaction, a persistent lease node {@code
 * <lease_path>/nodes/<lease id>} (see {@link LeaseNode} for its format) and one persistent instance
 * node per service, named by the lease id. Any gateway sharing the ensemble renews or ends any
 * lease, so a client fails over between gateways and keeps its lease; a gateway that stops or
 * crashes takes no instance with it.
 *
 * <p><b>Expiry.</b> One gateway, elected with Curator's {@link LeaderLatch} at {@code
 * <lease_path>/leader}, deletes leases whose TTL lapsed without a keep-alive, timing each on its
 * own monotonic clock from the last renewal it saw. When it dies another takes over and starts
 * every lease's TTL afresh: a lease may outlive its TTL by a failover, never fall short of it.
 *
 * <p>Settings: {@code connect} (required, {@code "zk1:2181,zk2:2181"}), {@code base_path} (default
 * {@code "/opizontas/services"}), {@code lease_path} (default {@code "/opizontas/leases"}), {@code
 * session_timeout} (default 15s), {@code connection_timeout} (default 5s; also bounds start-up).
 */
@Extension
public final class ZooKeeperRegistry implements RegistryBackend, Registrar {

  private static final SecureRandom IDS = new SecureRandom();
  private static final Pattern LEASE_ID = Pattern.compile("[0-9a-f]{32}");
  /** How often the elected gateway looks for overdue leases. */
  private static final Duration EXPIRY_SWEEP = Duration.ofMillis(200);

  private final Object writes = new Object();
  private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
  private final Map<LeaseKey, String> byKey = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Endpoint>> instances = new HashMap<>();
  private final Set<String> unreadable = ConcurrentHashMap.newKeySet();
  private CuratorFramework client;
  private CuratorCache cache;
  private CuratorCache leaseCache;
  private LeaderLatch leader;
  private ScheduledExecutorService expiry;
  private String basePath;
  private String leasesPath;
  private String connect;
  private EndpointSink sink;
  private Clock clock;
  private Logger log;

  private record LeaseKey(Set<String> services, String address) {}

  @Override
  public void start(PluginConfig config, PluginContext context, EndpointSink sink) throws Exception {
    config.allowKeys("connect", "base_path", "session_timeout", "connection_timeout");
    connect =
        config.string("connect").orElseThrow(
            () -> new PluginConfigException("connect", "is required: the ZooKeeper connection string, e.g. \"zk1:2181,zk2:2181\""));
    basePath = path(config, "base_path", "/opizontas/services");
    String leasePath = path(config, "lease_path", "/opizontas/leases");
    if (leasePath.equals(basePath) || leasePath.startsWith(basePath + "/") || basePath.startsWith(leasePath + "/")) {
      throw new PluginConfigException("lease_path", "must lie outside base_path (" + basePath + "), and base_path outside it");
    }
    leasesPath = ZKPaths.makePath(leasePath, "nodes");
    Duration sessionTimeout = config.duration("session_timeout", Duration.ofSeconds(15));
    Duration connectionTimeout = config.duration("connection_timeout", Duration.ofSeconds(5));
    this.sink = sink;
    this.clock = context.clock();
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
      client.createContainers(basePath);
      client.createContainers(leasesPath);
      cache = mirror(basePath, this::nodeChanged, connectionTimeout);
      leaseCache = mirror(leasesPath, this::leaseChanged, connectionTimeout);
      // Blocking ZooKeeper calls run on a thread of this plugin's own, never on the shared scheduler.
      expiry = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "zookeeper-registry-expiry");
        thread.setDaemon(true);
        return thread;
      });
      leader = new LeaderLatch(client, ZKPaths.makePath(leasePath, "leader"));
      leader.start();
      expiry.scheduleWithFixedDelay(this::expireOverdue, EXPIRY_SWEEP.toMillis(), EXPIRY_SWEEP.toMillis(), TimeUnit.MILLISECONDS);
      context.metrics().gauge("zookeeper_registry_leases", "Leases in the ensemble", tracked::size);
      log.info("zookeeper registry: {} services under {} and {} leases under {} at {}", instanceCount(), basePath,
          tracked.size(), leasesPath, connect);
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  private static String path(PluginConfig config, String key, String fallback) {
    String path = config.string(key, fallback);
    try {
      PathUtils.validatePath(path);
    } catch (IllegalArgumentException e) {
      throw new PluginConfigException(key, e.getMessage());
    }
    if (path.equals("/")) {
      throw new PluginConfigException(key, "must not be the root: name a node such as \"/services\"");
    }
    return path;
  }

  /** A started cache of the tree under {@code path}, once its first full read is done. */
  private CuratorCache mirror(String path, CuratorCacheListener listener, Duration timeout)
      throws Exception {
    CountDownLatch loaded = new CountDownLatch(1);
    CuratorCache mirror = CuratorCache.build(client, path);
    mirror.listenable().addListener(
        CuratorCacheListener.builder().forAll(listener).forInitialized(loaded::countDown).build());
    mirror.start();
    if (!loaded.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      mirror.close();
      throw new IOException("could not read " + path + " from ZooKeeper at " + connect + " within " + timeout);
    }
    return mirror;
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
      String known = byKey.get(key);
      if (known != null) {
        Optional<LeaseNode> renewed = rewrite(known, node -> new LeaseNode(node.services(), endpoint, node.ttl(), 0));
        if (renewed.isPresent()) {
          return new RegistryLease(known, renewed.get().ttl());
        }
      }
      String id = newId();
      LeaseNode node = new LeaseNode(key.services(), endpoint, ttl, clock.millis() + ttl.toMillis());
      for (String service : key.services()) {
        client.createContainers(ZKPaths.makePath(basePath, service));
      }
      List<CuratorOp> ops = new ArrayList<>();
      ops.add(client.transactionOp().create().withMode(CreateMode.PERSISTENT).forPath(leasePath(id), node.write()));
      long now = clock.millis();
      for (String service : key.services()) {
        ops.add(client.transactionOp().create().withMode(CreateMode.PERSISTENT)
            .forPath(ZKPaths.makePath(basePath, service, id), ServiceInstanceJson.write(service, id, endpoint, now)));
      }
      // One transaction: a lease never exists without its instances, nor an instance without its lease.
      client.transaction().forOperations(ops);
      track(id, node, 0);
      return new RegistryLease(id, ttl);
    }
  }

  @Override
  public Optional<Set<String>> services(String leaseId) throws Exception {
    return readLease(leaseId, new Stat()).map(LeaseNode::services);
  }

  /**
   * Renews the lease in ZooKeeper, whichever gateway accepted it. The write is conditional on the
   * version read, as the elected gateway's delete is on the version it saw: a keep-alive and an
   * expiry racing each other cannot both succeed, so "found" is never answered for a lease being
   * deleted, on this gateway or any other.
   */
  @Override
  public Optional<Duration> keepAlive(String leaseId) throws Exception {
    return rewrite(leaseId, node -> node).map(LeaseNode::ttl);
  }

  @Override
  public boolean deregister(String leaseId) throws Exception {
    Stat stat = new Stat();
    Optional<LeaseNode> node = readLease(leaseId, stat);
    if (node.isEmpty()) {
      return false;
    }
    try {
      delete(leaseId, node.get(), -1);
    } catch (KeeperException.NoNodeException e) {
      return false;
    }
    return true;
  }

  private String leasePath(String id) {
    return ZKPaths.makePath(leasesPath, id);
  }

  private Optional<LeaseNode> readLease(String leaseId, Stat stat) throws Exception {
    if (!LEASE_ID.matcher(leaseId).matches()) {
      return Optional.empty(); // not one of ours, and not a path to wander the ensemble with
    }
    try {
      return Optional.of(LeaseNode.read(client.getData().storingStatIn(stat).forPath(leasePath(leaseId))));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
  }

  /**
   * Writes the lease back through {@code change}, renewed from now, if it still exists; when the
   * endpoint changed, its instance nodes are rewritten in the same transaction.
   */
  private Optional<LeaseNode> rewrite(String leaseId, UnaryOperator<LeaseNode> change) throws Exception {
    for (int attempt = 0; attempt < 5; attempt++) {
      Stat stat = new Stat();
      Optional<LeaseNode> current = readLease(leaseId, stat);
      if (current.isEmpty()) {
        return Optional.empty();
      }
      LeaseNode next = change.apply(current.get()).renewed(clock.millis());
      List<CuratorOp> ops = new ArrayList<>();
      ops.add(client.transactionOp().setData().withVersion(stat.getVersion()).forPath(leasePath(leaseId), next.write()));
      if (!next.endpoint().equals(current.get().endpoint())) {
        long now = clock.millis();
        for (String service : next.services()) {
          ops.add(client.transactionOp().setData().forPath(ZKPaths.makePath(basePath, service, leaseId),
              ServiceInstanceJson.write(service, leaseId, next.endpoint(), now)));
        }
      }
      try {
        client.transaction().forOperations(ops);
        return Optional.of(next);
      } catch (KeeperException.BadVersionException e) {
        // Another gateway renewed it between our read and write: read again.
      } catch (KeeperException.NoNodeException e) {
        return Optional.empty(); // expired or deregistered meanwhile
      }
    }
    throw new IOException("lease " + leaseId + " kept changing under five renewals in a row");
  }

  /** Deletes a lease and its instances in one transaction; {@code version} -1 deletes any version. */
  private void delete(String leaseId, LeaseNode node, int version) throws Exception {
    List<CuratorOp> ops = new ArrayList<>();
    ops.add(client.transactionOp().delete().withVersion(version).forPath(leasePath(leaseId)));
    for (String service : node.services()) {
      String instance = ZKPaths.makePath(basePath, service, leaseId);
      // An instance deleted by hand must not keep its lease alive for ever.
      if (client.checkExists().forPath(instance) != null) {
        ops.add(client.transactionOp().delete().forPath(instance));
      }
    }
    client.transaction().forOperations(ops);
  }

  // ---- expiry, by one elected gateway ----

  /** A lease as this gateway last saw it, and when it lapses on this gateway's monotonic clock. */
  private record Tracked(LeaseNode node, int version, long deadlineNanos) {}

  private void track(String id, LeaseNode node, int version) {
    Tracked previous = tracked.put(id, new Tracked(node, version, System.nanoTime() + node.ttl().toNanos()));
    if (previous != null) {
      byKey.remove(new LeaseKey(previous.node().services(), previous.node().endpoint().address()), id);
    }
    byKey.put(new LeaseKey(node.services(), node.endpoint().address()), id);
  }

  private void leaseChanged(CuratorCacheListener.Type type, ChildData before, ChildData after) {
    ChildData data = after != null ? after : before;
    if (data.getPath().length() <= leasesPath.length()) {
      return; // the parent
    }
    String id = ZKPaths.getNodeFromPath(data.getPath());
    if (type == CuratorCacheListener.Type.NODE_DELETED) {
      Tracked gone = tracked.remove(id);
      if (gone != null) {
        byKey.remove(new LeaseKey(gone.node().services(), gone.node().endpoint().address()), id);
      }
      return;
    }
    try {
      // Every rewrite (a keep-alive through any gateway) starts the lease's TTL again.
      track(id, LeaseNode.read(after.getData()), after.getStat().getVersion());
    } catch (IOException e) {
      if (unreadable.add(data.getPath())) {
        log.warn("zookeeper registry: ignoring {}: not a lease node ({})", data.getPath(), e.getMessage());
      }
    }
  }

  /** Run by the elected gateway only: deletes the leases whose TTL lapsed without a keep-alive. */
  private void expireOverdue() {
    if (!leader.hasLeadership()) {
      return;
    }
    long now = System.nanoTime();
    for (Map.Entry<String, Tracked> entry : tracked.entrySet()) {
      Tracked lease = entry.getValue();
      if (now - lease.deadlineNanos() < 0) {
        continue;
      }
      try {
        // Conditional on the version last seen: a keep-alive that landed meanwhile wins.
        delete(entry.getKey(), lease.node(), lease.version());
        tracked.remove(entry.getKey(), lease);
        log.info("zookeeper registry: lease of {} at {} expired: no keep-alive within its TTL ({})",
            lease.node().services(), lease.node().endpoint().address(), spelled(lease.node().ttl()));
      } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
        // Renewed or ended meanwhile; the lease cache brings the news.
      } catch (Exception e) {
        log.warn("zookeeper registry: expiring lease {} failed, retrying: {}", entry.getKey(), e.toString());
        return;
      }
    }
  }

  private void connectionChanged(ConnectionState state) {
    switch (state) {
      case SUSPENDED -> log.warn("zookeeper registry: connection to {} suspended; routing on the last known endpoints", connect);
      case LOST -> log.warn("zookeeper registry: session with {} lost; leases live on in the ensemble", connect);
      case CONNECTED, RECONNECTED -> log.info("zookeeper registry: connected to {}", connect);
      default -> {}
    }
  }

  /** Stops this gateway's part; the leases stay in the ensemble for the other gateways until their TTL. */
  @Override
  public void close() {
    if (expiry != null) {
      expiry.shutdownNow();
    }
    if (leader != null) {
      try {
        leader.close(); // another gateway takes over expiry at once
      } catch (IOException | IllegalStateException e) {
        log.debug("zookeeper registry: leaving the expiry election: {}", e.toString());
      }
    }
    if (leaseCache != null) {
      leaseCache.close();
    }
    if (cache != null) {
      cache.close();
    }
    if (client != null) {
      client.close();
    }
  }

  /** A TTL as the configuration spells it: 30s, 1500ms. */
  private static String spelled(Duration ttl) {
    long millis = ttl.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
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

  /** For tests: whether this gateway is the one expiring leases now. */
  boolean expiresLeases() {
    return leader != null && leader.hasLeadership();
  }
}

package io.opizontas.gateway.plugins.zookeeper;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opizontas.gateway.api.Endpoint;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One lease as it is kept in ZooKeeper, at {@code <lease_path>/nodes/<lease id>} (persistent):
 *
 * <pre>{@code
 * {"services": ["post.PostService"], "host": "10.0.0.7", "port": 50052, "weight": 1, "zone": "",
 *  "metadata": {}, "ttl_ms": 30000, "expires_at_ms": 1718000000000}
 * }</pre>
 *
 * <p>Every keep-alive rewrites the node with a new {@code expires_at_ms} (wall clock, for people and
 * tools reading the ensemble). Expiry itself does not trust wall clocks, which differ between
 * gateways: the elected gateway times each lease on its own monotonic clock from the last rewrite
 * it saw, so a lease never ends before a full TTL without a keep-alive.
 *
 * @param services   the services registered under the lease, never empty
 * @param endpoint   where they are served
 * @param ttl        the lease's lifetime without a keep-alive
 * @param expiresAt  wall-clock deadline in epoch milliseconds, informational
 */
record LeaseNode(Set<String> services, Endpoint endpoint, Duration ttl, long expiresAt) {

  private static final ObjectMapper JSON = new ObjectMapper();

  LeaseNode {
    services = Set.copyOf(services);
  }

  /** The same lease renewed at {@code nowMillis} (wall clock). */
  LeaseNode renewed(long nowMillis) {
    return new LeaseNode(services, endpoint, ttl, nowMillis + ttl.toMillis());
  }

  byte[] write() throws IOException {
    ObjectNode node = JSON.createObjectNode();
    new TreeSet<>(services).forEach(node.putArray("services")::add);
    node.put("host", endpoint.host());
    node.put("port", endpoint.port());
    node.put("weight", endpoint.weight());
    node.put("zone", endpoint.zone());
    ObjectNode metadata = node.putObject("metadata");
    endpoint.metadata().forEach(metadata::put);
    node.put("ttl_ms", ttl.toMillis());
    node.put("expires_at_ms", expiresAt);
    return JSON.writeValueAsBytes(node);
  }

  /** @throws IOException when {@code data} is not a lease node */
  static LeaseNode read(byte[] data) throws IOException {
    JsonNode node = JSON.readTree(data);
    if (node == null || !node.isObject() || !node.path("services").isArray() || node.path("services").isEmpty()) {
      throw new IOException("not a lease node");
    }
    Set<String> services = new TreeSet<>();
    node.path("services").forEach(s -> services.add(s.asText()));
    Map<String, String> metadata = new LinkedHashMap<>();
    node.path("metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
    long ttlMillis = node.path("ttl_ms").asLong(0);
    if (ttlMillis <= 0) {
      throw new IOException("lease node without a positive ttl_ms");
    }
    try {
      Endpoint endpoint = new Endpoint(node.path("host").asText(""), node.path("port").asInt(0),
          Math.max(1, node.path("weight").asInt(1)), node.path("zone").asText(""), metadata);
      return new LeaseNode(services, endpoint, Duration.ofMillis(ttlMillis), node.path("expires_at_ms").asLong(0));
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
  }
}

package io.opizontas.gateway.plugins.zookeeper;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opizontas.gateway.api.Endpoint;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceType;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;

/**
 * The node format of Curator's service-discovery recipe ({@code curator-x-discovery}): one JSON
 * {@code ServiceInstance} per node at {@code <base>/<service>/<id>}.
 *
 * <p>Writing goes through the recipe's own serializer, so Java services discovering each other with
 * {@code curator-x-discovery} also see instances registered through the gateway. Reading is lenient
 * instead: a foreign service's payload may be of a class this plugin has never heard of, so only
 * the fields the gateway routes on are taken, and a payload carrying {@code weight}, {@code zone}
 * or {@code metadata} (as the gateway writes it) refines the endpoint.
 */
final class ServiceInstanceJson {

  private static final ObjectMapper JSON = new ObjectMapper();

  @SuppressWarnings({"rawtypes", "unchecked"})
  private static final JsonInstanceSerializer<Map> SERIALIZER = new JsonInstanceSerializer<>(Map.class);

  private ServiceInstanceJson() {}

  @SuppressWarnings({"rawtypes", "unchecked"})
  static byte[] write(String service, String id, Endpoint endpoint, long registeredAtMillis) throws Exception {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("weight", endpoint.weight());
    payload.put("zone", endpoint.zone());
    payload.put("metadata", new LinkedHashMap<>(endpoint.metadata()));
    ServiceInstance<Map> instance =
        new ServiceInstance<>(
            service, id, endpoint.host(), endpoint.port(), null, payload, registeredAtMillis,
            ServiceType.DYNAMIC, null, true);
    return SERIALIZER.serialize(instance);
  }

  /**
   * The endpoint a node describes, or null when it is not routable (disabled, or TLS-only: the
   * gateway speaks plaintext HTTP/2 to backends until upstream TLS lands).
   *
   * @throws IOException when the node is not a service instance
   */
  static Endpoint read(byte[] data) throws IOException {
    JsonNode node = JSON.readTree(data);
    if (node == null || !node.isObject()) {
      throw new IOException("not a JSON object");
    }
    if (!node.path("enabled").asBoolean(true)) {
      return null;
    }
    JsonNode port = node.get("port");
    if (port == null || !port.canConvertToInt() || port.isNull()) {
      return null;
    }
    String host = node.path("address").asText("");
    int weight = 1;
    String zone = "";
    Map<String, String> metadata = Map.of();
    JsonNode payload = node.path("payload");
    if (payload.isArray() && payload.size() == 2) {
      payload = payload.get(1); // Jackson's WRAPPER_ARRAY type form: [class, value]
    }
    if (payload.isObject()) {
      weight = Math.max(1, payload.path("weight").asInt(1));
      zone = payload.path("zone").asText("");
      if (payload.path("metadata").isObject()) {
        Map<String, String> labels = new LinkedHashMap<>();
        payload.path("metadata").fields().forEachRemaining(e -> {
          if (!e.getKey().startsWith("@")) {
            labels.put(e.getKey(), e.getValue().asText());
          }
        });
        metadata = labels;
      }
    }
    try {
      return new Endpoint(host, port.asInt(), weight, zone, metadata);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
  }
}

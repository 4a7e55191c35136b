package io.opizontas.gateway.registration;

import com.google.protobuf.Duration;
import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.discovery.ServiceEndpoints;

/** Conversions between the registration API's messages and the gateway's own types. */
final class RegistryMessages {

  private RegistryMessages() {}

  /**
   * The endpoint a registration names.
   *
   * @throws IllegalArgumentException naming the offending field
   */
  static Endpoint fromProto(io.opizontas.registry.v1.Endpoint message) {
    if (message.getHost().isBlank()) {
      throw new IllegalArgumentException("endpoint.host is empty");
    }
    if (message.getPort() < 1 || message.getPort() > 65535) {
      throw new IllegalArgumentException(
          "endpoint.port " + Integer.toUnsignedString(message.getPort()) + " is outside 1..65535");
    }
    if (message.getWeight() < 0) {
      throw new IllegalArgumentException(
          "endpoint.weight " + Integer.toUnsignedString(message.getWeight()) + " is too large");
    }
    // "[::1]" is how addresses write an IPv6 literal; the endpoint keeps the bare literal, as every
    // other source reports it, so its address prints once bracketed.
    String host = message.getHost();
    if (host.length() > 2 && host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new Endpoint(
        host,
        message.getPort(),
        Math.max(1, message.getWeight()),
        message.getZone(),
        message.getMetadataMap());
  }

  static io.opizontas.registry.v1.Endpoint toProto(Endpoint endpoint) {
    return io.opizontas.registry.v1.Endpoint.newBuilder()
        .setHost(endpoint.host())
        .setPort(endpoint.port())
        .setWeight(endpoint.weight())
        .setZone(endpoint.zone())
        .putAllMetadata(endpoint.metadata())
        .build();
  }

  /** The watch entry of one service; {@code endpoints} is null when the gateway has never seen it. */
  static io.opizontas.registry.v1.ServiceEndpoints toProto(String service, ServiceEndpoints endpoints) {
    io.opizontas.registry.v1.ServiceEndpoints.Builder builder =
        io.opizontas.registry.v1.ServiceEndpoints.newBuilder().setService(service);
    if (endpoints != null) {
      for (int i = 0; i < endpoints.size(); i++) {
        builder.addEndpoints(toProto(endpoints.get(i)));
      }
    }
    return builder.build();
  }

  static Duration toProto(java.time.Duration duration) {
    return Duration.newBuilder().setSeconds(duration.getSeconds()).setNanos(duration.getNano()).build();
  }
}

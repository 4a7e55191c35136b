package io.opizontas.gateway.plugins.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;


import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthCheckResponse;
import io.opizontas.gateway.api.PluginConfigException;
import io.opizontas.gateway.api.TablePluginConfig;
import io.opizontas.gateway.api.testing.TestPluginContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hand-written health messages agree with protobuf's generated classes; options are checked. */
class GrpcHealthProberTest {

  @Test
  void requestsParseAsHealthCheckRequests() throws Exception {
    for (String service : new String[] {"", "shop.Cart", "x".repeat(300), "ünïcode.Service"}) {
      assertThat(HealthCheckRequest.parseFrom(HealthWire.request(service)).getService()).isEqualTo(service);
    }
  }

  @Test
  void responsesOfEveryStatusAreRead() {
    for (ServingStatus status : ServingStatus.values()) {
      if (status == ServingStatus.UNRECOGNIZED) {
        continue;
      }
      byte[] bytes = HealthCheckResponse.newBuilder().setStatus(status).build().toByteArray();
      assertThat(HealthWire.status(bytes)).isEqualTo(status.getNumber());
    }
    assertThat(HealthWire.status(new byte[0])).isEqualTo(HealthWire.UNKNOWN);
    // Fields a newer health.proto might add are skipped.
    byte[] withUnknownField = {0x08, 0x01, 0x12, 0x02, 'h', 'i'};
    assertThat(HealthWire.status(withUnknownField)).isEqualTo(HealthWire.SERVING);
    assertThatThrownBy(() -> HealthWire.status(new byte[] {0x08})).isInstanceOf(IllegalArgumentException.class);
    byte[] negativeLength = {0x12, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
        (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01};
    assertThatThrownBy(() -> HealthWire.status(negativeLength)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unimplementedMustBeHealthyOrUnhealthy() {
    try (TestPluginContext context = new TestPluginContext("health-probers")) {
      assertThatThrownBy(() -> new GrpcHealthProber().start(
          new TablePluginConfig("grpc-health", Map.of("unimplemented", "maybe")), context))
          .isInstanceOf(PluginConfigException.class)
          .hasMessageContaining("unimplemented")
          .hasMessageContaining("expected \"healthy\" or \"unhealthy\"");
      assertThatThrownBy(() -> new GrpcHealthProber().start(
          new TablePluginConfig("grpc-health", Map.of("services", "x")), context))
          .isInstanceOf(PluginConfigException.class)
          .hasMessageContaining("services");
    }
  }
}

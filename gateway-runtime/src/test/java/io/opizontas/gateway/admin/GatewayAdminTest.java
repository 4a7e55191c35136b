package io.opizontas.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opizontas.gateway.config.AdminConfig;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.TestGateways;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GatewayAdminTest {

  @Test
  void theGatewayServesHealthzOnItsAdminListener() throws Exception {
    AdminConfig admin = new AdminConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)), List.of());
    try (Gateway gateway = Gateway.start(TestGateways.config().withAdmin(admin))) {
      assertThat(gateway.adminAddress().getPort()).isNotZero().isNotEqualTo(gateway.address().getPort());
      assertThat(AdminHttp.get(gateway.adminAddress(), "/healthz", null).body()).isEqualTo("ok\n");
    }
  }

  @Test
  void aGatewayBuiltInCodeHasNoAdminListenerUnlessGivenOne() throws Exception {
    try (Gateway gateway = Gateway.start(TestGateways.config())) {
      assertThatThrownBy(gateway::adminAddress).isInstanceOf(IllegalStateException.class);
    }
  }
}

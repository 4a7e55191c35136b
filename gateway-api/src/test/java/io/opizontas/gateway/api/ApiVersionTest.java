package io.opizontas.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiVersionTest {

  @Test
  void isTheContractsOwnReleaseVersion() {
    assertThat(ApiVersion.current())
        .as("major.minor.patch without qualifier: PF4J compares it with the plugins' ranges")
        .matches("\\d+\\.\\d+\\.\\d+");
  }

  @Test
  void isTheVersionThatAddedTheNewestPartOfTheContract() {
    assertThat(ApiVersion.current())
        .as("PluginConfig.number came with 0.1.2; a change to gateway-api bumps it (see ApiVersion)")
        .isEqualTo("0.1.2");
  }
}

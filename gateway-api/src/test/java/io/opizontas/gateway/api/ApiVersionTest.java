package io.opizontas.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiVersionTest {

  @Test
  void isTheProjectReleaseVersionWithoutQualifier() {
    assertThat(ApiVersion.current()).matches("\\d+\\.\\d+\\.\\d+");
    String built = System.getProperty("project.version");
    assertThat(built).as("surefire passes the project version").isNotNull();
    assertThat(built).isIn(ApiVersion.current(), ApiVersion.current() + "-SNAPSHOT");
  }
}

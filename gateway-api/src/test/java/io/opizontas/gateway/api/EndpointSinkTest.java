package io.opizontas.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EndpointSinkTest {

  @Test
  void aServiceNameIsNotEmptyAndHasNoSlash() {
    assertThat(EndpointSink.checkServiceName("helloworld.Greeter")).isEqualTo("helloworld.Greeter");
    assertThatThrownBy(() -> EndpointSink.checkServiceName(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("service name is empty");
    assertThatThrownBy(() -> EndpointSink.checkServiceName("helloworld.Greeter/SayHello"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("service name 'helloworld.Greeter/SayHello' contains '/'");
    assertThatThrownBy(() -> EndpointSink.checkServiceName(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSinkWrittenBeforeReplaceAllSaysItDoesNotTakeIt() {
    EndpointSink old = (service, endpoints) -> {};

    assertThatThrownBy(() -> old.replaceAll(Map.of("a.B", Set.of())))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("does not implement replaceAll");
  }
}

package io.opizontas.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceScopeTest {

  @Test
  void globsMatchWholeNamesAndNothingElseIsARegex() {
    ServiceScope scope = new ServiceScope(List.of("post.*", "helloworld.Greeter", "a.b+c"));
    assertThat(scope.permits("post.PostService")).isTrue();
    assertThat(scope.permits("post.v2.Admin")).isTrue();
    assertThat(scope.permits("postal.Service")).isFalse();
    assertThat(scope.permits("helloworld.Greeter")).isTrue();
    assertThat(scope.permits("helloworld.GreeterX")).isFalse();
    assertThat(scope.permits("helloworldXGreeter")).isFalse(); // '.' is literal
    assertThat(scope.permits("a.b+c")).isTrue();
    assertThat(scope.permits("a.bbc")).isFalse();
    assertThat(new ServiceScope(List.of("*")).permits("any.Thing")).isTrue();
  }
}

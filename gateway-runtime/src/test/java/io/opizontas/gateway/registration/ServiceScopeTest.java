package io.opizontas.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.api.Endpoint;
import java.net.InetSocketAddress;
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

  @Test
  void theLoopGuardKnowsASpecificListenerAddress() {
    LoopGuard guard = new LoopGuard(List.of(new InetSocketAddress("127.0.0.1", 50051)));
    assertThat(guard.loopsBack(Endpoint.of("127.0.0.1", 50051))).isTrue();
    assertThat(guard.loopsBack(Endpoint.of("localhost", 50051))).isTrue();
    assertThat(guard.loopsBack(Endpoint.of("127.0.0.2", 50051))).isTrue(); // all of 127/8 is this host
    assertThat(guard.loopsBack(Endpoint.of("127.0.0.1", 50052))).isFalse();
    assertThat(guard.loopsBack(Endpoint.of("10.9.9.9", 50051))).isFalse();
    assertThat(guard.loopsBack(Endpoint.of("backend.internal", 50051))).isFalse(); // names are not resolved
  }
}

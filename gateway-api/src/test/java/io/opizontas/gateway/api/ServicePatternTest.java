package io.opizontas.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ServicePatternTest {

  @Test
  void starMatchesEveryService() {
    assertThat(ServicePattern.parse("*").matches("helloworld.Greeter")).isTrue();
    assertThat(ServicePattern.parse("*").matches("Bare")).isTrue();
  }

  @Test
  void packagePatternMatchesThePackageAndItsSubPackagesOnly() {
    ServicePattern pattern = ServicePattern.parse("post.*");
    assertThat(pattern.matches("post.PostService")).isTrue();
    assertThat(pattern.matches("post.v1.PostService")).isTrue();
    assertThat(pattern.matches("postal.PostService")).isFalse();
    assertThat(pattern.matches("post")).isFalse();
  }

  @Test
  void exactPatternMatchesThatServiceOnly() {
    ServicePattern pattern = ServicePattern.parse("helloworld.Greeter");
    assertThat(pattern.matches("helloworld.Greeter")).isTrue();
    assertThat(pattern.matches("helloworld.GreeterV2")).isFalse();
  }

  @Test
  void specificityOrdersStarThenPackagesByLengthThenExactNames() {
    assertThat(ServicePattern.parse("*").specificity()).isZero();
    assertThat(ServicePattern.parse("a.*").specificity())
        .isLessThan(ServicePattern.parse("a.b.*").specificity());
    assertThat(ServicePattern.parse("a.b.*").specificity())
        .isLessThan(ServicePattern.parse("a.B").specificity());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "pkg.", ".*", "pkg.*.Svc", "pkg*", "pkg..Svc", "pkg.Svc/Method", "a b"})
  void rejectsWhatIsNotAPattern(String text) {
    assertThatThrownBy(() -> ServicePattern.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + text + "'");
  }
}

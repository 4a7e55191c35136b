package io.opizontas.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;


import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

  @Test
  void formatSpellsADurationAsTheConfigurationDoesAndParsesBack() {
    assertThat(Durations.format(Duration.ofSeconds(30))).isEqualTo("30s");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Durations.format(Duration.ofMinutes(5))).isEqualTo("5m");
    assertThat(Durations.format(Duration.ofHours(2))).isEqualTo("2h");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0");
    for (String text : new String[] {"30s", "1500ms", "5m", "2h", "0"}) {
      assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
    }
  }
}

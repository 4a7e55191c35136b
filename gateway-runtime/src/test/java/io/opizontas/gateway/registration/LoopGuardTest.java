package io.opizontas.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.api.Endpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoopGuardTest {

  private static final int PORT = 50051;

  private static boolean loops(LoopGuard guard, String host) {
    return guard.listenerReachedBy(Endpoint.of(host, PORT)).isPresent();
  }

  @Test
  void everySpellingOfALoopbackListenerIsCaught() {
    LoopGuard guard = new LoopGuard(List.of(new InetSocketAddress("127.0.0.1", PORT)));
    for (String self : List.of("127.0.0.1", "127.1", "2130706433", "localhost", "127.0.0.2", "0.0.0.0",
        "::ffff:127.0.0.1", "::1", "[::1]")) {
      assertThat(loops(guard, self)).as(self).isTrue();
    }
    assertThat(guard.listenerReachedBy(Endpoint.of("127.0.0.1", PORT + 1))).isEmpty();
    assertThat(loops(guard, "10.9.9.9")).isFalse();
    assertThat(loops(guard, "backend.invalid")).isFalse(); // does not resolve: cannot loop now
  }

  @Test
  void aWildcardListenerIsReachedThroughEveryLocalInterfaceAddress() throws Exception {
    LoopGuard guard = new LoopGuard(List.of(new InetSocketAddress("0.0.0.0", PORT)));
    List<String> self = new ArrayList<>(List.of("127.1", "2130706433", "[::1]", "localhost", "0.0.0.0", "::",
        InetAddress.getLocalHost().getHostName()));
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress address : Collections.list(nic.getInetAddresses())) {
        self.add(address.getHostAddress().replaceFirst("%.*", ""));
      }
    }
    for (String host : self) {
      assertThat(loops(guard, host)).as(host).isTrue();
    }
    assertThat(loops(guard, "192.0.2.1")).isFalse(); // TEST-NET-1: never a local address
  }

  @Test
  void aListenerOnOneInterfaceIsReachedOnlyThroughIt() throws Exception {
    InetAddress local = InetAddress.getByName("127.0.0.1");
    LoopGuard guard = new LoopGuard(List.of(new InetSocketAddress(local, PORT)));
    assertThat(guard.listenerReachedBy(Endpoint.of("127.1", PORT))).contains(new InetSocketAddress(local, PORT));
    assertThat(loops(guard, "192.0.2.1")).isFalse();
  }
}

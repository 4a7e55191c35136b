package io.opizontas.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The relay the benchmark measures proxies against: real sockets on loopback, a client through the
 * relay to a plain backend socket. Reads time out after ten seconds so that a broken relay fails the
 * test instead of hanging it.
 */
class ByteRelayTest {

  private static final int READ_TIMEOUT_MILLIS = 10_000;
  /** More than one of the relay's 64 KiB buffers each way. */
  private static final int BYTES = 300_000;

  private ServerSocket backend;
  private ByteRelay relay;
  private Socket client;
  private Socket served;

  @BeforeEach
  void connect() throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    backend = new ServerSocket(0, 50, loopback);
    relay = ByteRelay.start(new InetSocketAddress(loopback, backend.getLocalPort()));
    client = new Socket(loopback, relay.port());
    client.setSoTimeout(READ_TIMEOUT_MILLIS);
    served = backend.accept();
    served.setSoTimeout(READ_TIMEOUT_MILLIS);
  }

  @AfterEach
  void close() throws IOException {
    client.close();
    served.close();
    relay.close();
    backend.close();
  }

  @Test
  void bytesPassBothWaysAndEachEndOfStreamIsPassedOnAsAHalfClose() throws Exception {
    byte[] up = bytes(1);
    byte[] down = bytes(2);
    CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> writeAndHalfClose(client, up));

    assertThat(readToEnd(served)).as("the backend reads the client's bytes, then their end").isEqualTo(up);
    sent.get();
    // The client's half-close left the way back open: the backend can still answer.
    writeAndHalfClose(served, down);
    assertThat(readToEnd(client)).as("the client reads the backend's bytes, then their end").isEqualTo(down);
  }

  @Test
  void aResetByTheClientClosesTheBackendSide() throws Exception {
    established();
    client.setSoLinger(true, 0);
    client.close();

    assertThat(endOf(served)).as("the backend's connection ends").isTrue();
  }

  @Test
  void aResetByTheBackendClosesTheClientSide() throws Exception {
    established();
    served.setSoLinger(true, 0);
    served.close();

    assertThat(endOf(client)).as("the client's connection ends").isTrue();
  }

  /** One byte each way, so that both of the relay's connections exist before anything is reset. */
  private void established() throws IOException {
    client.getOutputStream().write(7);
    assertThat(served.getInputStream().read()).isEqualTo(7);
    served.getOutputStream().write(8);
    assertThat(client.getInputStream().read()).isEqualTo(8);
  }

  /** Whether the socket's input ends (a FIN or a reset) rather than timing out. */
  private static boolean endOf(Socket socket) {
    try {
      return socket.getInputStream().read() == -1;
    } catch (java.net.SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private static byte[] bytes(long seed) {
    byte[] bytes = new byte[BYTES];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static void writeAndHalfClose(Socket socket, byte[] bytes) {
    try {
      socket.getOutputStream().write(bytes);
      socket.shutdownOutput();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static byte[] readToEnd(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    return in.readAllBytes();
  }
}

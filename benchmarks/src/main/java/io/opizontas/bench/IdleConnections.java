package io.opizontas.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Idle HTTP/2 client connections, for the scaling curve: each sends the connection preface and an
 * empty SETTINGS, reads frames up to the server's SETTINGS, acknowledges it, and then sends nothing.
 * Plain blocking sockets: an idle connection costs this JVM one file descriptor and a socket object,
 * much less than a gRPC channel would, and the handshake is all an idle connection ever does.
 */
final class IdleConnections implements AutoCloseable {

  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  /** An empty SETTINGS frame: length 0, type 4, no flags, stream 0. */
  private static final byte[] SETTINGS = {0, 0, 0, 4, 0, 0, 0, 0, 0};
  private static final byte[] SETTINGS_ACK = {0, 0, 0, 4, 1, 0, 0, 0, 0};
  private static final int TYPE_SETTINGS = 4;
  private static final int FLAG_ACK = 1;
  private static final int HANDSHAKE_TIMEOUT_MILLIS = 30_000;
  /** Handshakes in parallel: enough to hide loopback round trips, few enough not to flood the accept queue. */
  private static final int OPENERS = 8;

  private final InetSocketAddress gateway;
  private final List<Socket> sockets = new ArrayList<>();

  IdleConnections(int port) {
    this.gateway = new InetSocketAddress("127.0.0.1", port);
  }

  int size() {
    return sockets.size();
  }

  /** Opens connections until {@code total} are open; returns once each has finished its handshake. */
  void growTo(int total) throws Exception {
    ExecutorService openers = Executors.newFixedThreadPool(OPENERS);
    try {
      List<Future<Socket>> opening = new ArrayList<>();
      for (int i = sockets.size(); i < total; i++) {
        opening.add(openers.submit(this::handshake));
      }
      for (Future<Socket> socket : opening) {
        sockets.add(socket.get());
      }
    } finally {
      openers.shutdownNow();
    }
  }

  private Socket handshake() throws IOException {
    Socket socket = new Socket();
    try {
      socket.connect(gateway, HANDSHAKE_TIMEOUT_MILLIS);
      socket.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
      OutputStream out = socket.getOutputStream();
      out.write(PREFACE);
      out.write(SETTINGS);
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      while (true) {
        int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        in.readInt();
        in.skipNBytes(length);
        if (type == TYPE_SETTINGS && (flags & FLAG_ACK) == 0) {
          break;
        }
      }
      out.write(SETTINGS_ACK);
      out.flush();
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    for (Socket socket : sockets) {
      socket.close();
    }
    sockets.clear();
  }
}

package io.opizontas.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain TCP byte relay, the measuring stick for any user-space proxy on this machine: each
 * accepted connection is joined to a new connection to the target, and bytes are copied both ways
 * as they come, without being looked at (no HTTP/2 parsing), by two blocking threads per connection
 * through 64 KiB direct buffers. An end of stream is passed on as a half-close; when both ways have
 * ended, or either fails, both connections are closed. Whatever a proxy costs beyond this relay is
 * its own work; what the relay costs is the kernel's and the extra hops'.
 *
 * <p>The benchmark runs it in a JVM of its own ({@link RelayProcess}): {@code ByteRelay HOST PORT}
 * listens on 127.0.0.1, port 0, and prints {@value #LISTENING} and its address once it does.
 */
final class ByteRelay implements AutoCloseable {

  static final String LISTENING = "ByteRelay listening on ";
  private static final int BUFFER_BYTES = 64 << 10;

  private final ServerSocketChannel listener;
  private final InetSocketAddress target;
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;

  private ByteRelay(ServerSocketChannel listener, InetSocketAddress target) {
    this.listener = listener;
    this.target = target;
    this.acceptor = new Thread(this::accept, "relay-accept");
  }

  /** Listens on 127.0.0.1, port 0, and relays every connection to {@code target}. */
  static ByteRelay start(InetSocketAddress target) throws IOException {
    ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    ByteRelay relay = new ByteRelay(listener, target);
    relay.acceptor.start();
    return relay;
  }

  int port() {
    return listener.socket().getLocalPort();
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: ByteRelay TARGET_HOST TARGET_PORT");
      System.exit(2);
    }
    ByteRelay relay = start(new InetSocketAddress(args[0], Integer.parseInt(args[1])));
    System.out.println(LISTENING + "127.0.0.1:" + relay.port());
    // Until SIGTERM: the acceptor is not a daemon.
  }

  private void accept() {
    while (listener.isOpen()) {
      SocketChannel client;
      try {
        client = listener.accept();
      } catch (IOException closed) {
        return;
      }
      try {
        SocketChannel backend = SocketChannel.open(target);
        new Connection(client, backend).start();
      } catch (IOException e) {
        System.err.println("ByteRelay: cannot reach " + target + ": " + e);
        closeQuietly(client);
      }
    }
  }

  /** Stops listening and closes every connection. */
  @Override
  public void close() throws IOException {
    listener.close();
    for (Connection connection : connections) {
      connection.close();
    }
  }

  /** One accepted connection and its connection to the target. */
  private final class Connection {
    private final SocketChannel client;
    private final SocketChannel backend;
    /** Ways still copying; the last to end closes both sides. */
    private final AtomicInteger copying = new AtomicInteger(2);

    Connection(SocketChannel client, SocketChannel backend) {
      this.client = client;
      this.backend = backend;
    }

    void start() throws IOException {
      // Small writes (a unary call's frames) leave at once, as the gateway's and grpc-java's do.
      client.setOption(StandardSocketOptions.TCP_NODELAY, true);
      backend.setOption(StandardSocketOptions.TCP_NODELAY, true);
      connections.add(this);
      thread(() -> copy(client, backend), "relay-up").start();
      thread(() -> copy(backend, client), "relay-down").start();
    }

    private Thread thread(Runnable task, String name) {
      Thread thread = new Thread(task, name);
      thread.setDaemon(true);
      return thread;
    }

    /** Copies until {@code from} ends (passed on as a half-close of {@code to}) or either side fails. */
    private void copy(SocketChannel from, SocketChannel to) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
      try {
        while (from.read(buffer) >= 0) {
          buffer.flip();
          while (buffer.hasRemaining()) {
            to.write(buffer);
          }
          buffer.clear();
        }
        to.shutdownOutput();
        if (copying.decrementAndGet() == 0) {
          close();
        }
      } catch (IOException e) {
        // A reset, or the other way closed both: nothing more can pass either way.
        close();
      }
    }

    void close() {
      connections.remove(this);
      closeQuietly(client);
      closeQuietly(backend);
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // Closing is all that is wanted; a failure to close leaves nothing to do.
    }
  }
}

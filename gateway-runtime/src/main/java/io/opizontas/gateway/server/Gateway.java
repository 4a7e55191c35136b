package io.opizontas.gateway.server;

import io.opizontas.gateway.config.GatewayConfig;
import java.net.InetSocketAddress;

/**
 * A running gateway: the client listener, the data path and everything they need. Start one with
 * {@link #start}; {@link #close} shuts it down gracefully.
 */
public final class Gateway implements AutoCloseable {

  private Gateway() {}

  /** Starts a gateway and returns once it accepts calls. */
  public static Gateway start(GatewayConfig config) throws Exception {
    throw new UnsupportedOperationException("the data path lands with issue 2");
  }

  /** The address the client listener is bound to (the real port when the config asked for 0). */
  public InetSocketAddress address() {
    throw new UnsupportedOperationException();
  }

  /** Blocks the calling thread until the gateway has stopped. For the CLI's main thread only. */
  public void awaitStopped() throws InterruptedException {
    throw new UnsupportedOperationException();
  }

  /** GOAWAY to clients, drain in-flight calls up to the configured timeout, then stop. */
  @Override
  public void close() {
    throw new UnsupportedOperationException();
  }
}

package io.opizontas.gateway.config;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The client-facing listener ({@code [server]}).
 *
 * @param listen               address to accept h2c (prior knowledge) on; by default {@code
 *                             127.0.0.1:50051}, this machine only, because the listener also serves
 *                             the registration API (whose generated token is logged)
 * @param drainTimeout         how long in-flight calls may run after shutdown begins
 * @param maxConcurrentStreams MAX_CONCURRENT_STREAMS announced to each client connection
 * @param sessionWindow        HTTP/2 connection receive window, bytes
 * @param streamWindow         HTTP/2 stream receive window, bytes; bounds the memory one call can pin
 * @param idleTimeout          a client connection with no stream for this long is closed
 * @param maxHeaderListSize    largest request header list (metadata) a call may carry, bytes, counted
 *     as RFC 9113 does: name + value + 32 per field, pseudo-headers included
 * @param maxHops              gateways a call may already have passed; one more is a routing loop
 */
public record ServerConfig(
    InetSocketAddress listen,
    Duration drainTimeout,
    int maxConcurrentStreams,
    int sessionWindow,
    int streamWindow,
    Duration idleTimeout,
    int maxHeaderListSize,
    int maxHops) {

  /** The default number of gateways a call may pass: room for chains, little for a loop. */
  public static final int DEFAULT_MAX_HOPS = 8;

  /** A listener with the default {@code max_hops}. */
  public ServerConfig(InetSocketAddress listen, Duration drainTimeout, int maxConcurrentStreams, int sessionWindow,
      int streamWindow, Duration idleTimeout, int maxHeaderListSize) {
    this(listen, drainTimeout, maxConcurrentStreams, sessionWindow, streamWindow, idleTimeout, maxHeaderListSize,
        DEFAULT_MAX_HOPS);
  }

  /**
   * Largest header block the HPACK decoders accept, four times {@link #maxHeaderListSize}. A request
   * between the two is decoded in full, so the connection's HPACK state stays intact and only that
   * call is refused; a block over this one is abandoned mid-decode, which leaves the dynamic table
   * unknown, so its connection must close. It is also the MAX_HEADER_LIST_SIZE announced to clients
   * (Jetty applies the announced value to its own decoder). Backend sessions send and accept header
   * blocks up to this size too, so metadata added by filters and large trailers never fail in the
   * gateway's own encoders.
   */
  public int headerDecodeLimit() {
    return (int) Math.min(Integer.MAX_VALUE, 4L * maxHeaderListSize);
  }

  public static ServerConfig defaults() {
    return new ServerConfig(
        new InetSocketAddress("127.0.0.1", 50051),
        Duration.ofSeconds(30),
        1024,
        8 * 1024 * 1024,
        1024 * 1024,
        Duration.ofMinutes(5),
        16 * 1024,
        DEFAULT_MAX_HOPS);
  }
}

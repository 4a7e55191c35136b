package io.opizontas.gateway.config;

import java.time.Duration;

/**
 * HTTP/2 sessions from the gateway to backends ({@code [upstream]}).
 *
 * @param connectTimeout    a backend that does not accept a connection within this answers UNAVAILABLE
 * @param idleTimeout       a session with no stream for this long is closed (and replaced on demand)
 * @param keepaliveInterval a PING is sent this often on each session that carries calls; zero disables
 *     keepalive. grpc-java servers answer PINGs more frequent than 5 minutes (their default
 *     permitKeepAliveTime) with GOAWAY ENHANCE_YOUR_CALM, which is why the default is 5 minutes
 * @param keepaliveTimeout  a session whose PING is not answered within this is closed
 * @param sessionWindow     HTTP/2 connection receive window, bytes. It is credit, not memory: the bytes the
 *     gateway holds for a connection are bounded by its calls' stream windows. The default, 64 stream
 *     windows, lets 64 calls whose clients stopped reading share one connection before it counts as
 *     full and new calls go to another session
 * @param streamWindow      HTTP/2 stream receive window, bytes
 */
public record UpstreamConfig(
    Duration connectTimeout,
    Duration idleTimeout,
    Duration keepaliveInterval,
    Duration keepaliveTimeout,
    int sessionWindow,
    int streamWindow) {

  public static UpstreamConfig defaults() {
    return new UpstreamConfig(
        Duration.ofSeconds(3),
        Duration.ofMinutes(5),
        Duration.ofMinutes(5),
        Duration.ofSeconds(20),
        64 * 1024 * 1024,
        1024 * 1024);
  }
}

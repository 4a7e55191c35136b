package io.opizontas.gateway.plugins.health;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.api.HealthProber;
import io.opizontas.gateway.api.HealthState;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.pf4j.Extension;

/**
 * {@code tcp}: healthy when a TCP connection to the endpoint opens within the timeout; the
 * connection is closed at once. Says nothing about gRPC, so a hung process whose kernel still
 * accepts connections passes: prefer {@code grpc-health} where backends serve it. No options.
 */
@Extension
public final class TcpProber implements HealthProber {

  /** The id the configuration names this prober by. */
  public static final String ID = "tcp";

  private ScheduledExecutorService scheduler;

  @Override
  public String id() {
    return ID;
  }

  @Override
  public void start(PluginConfig config, PluginContext context) {
    config.allowKeys();
    scheduler = context.scheduler();
  }

  @Override
  public CompletionStage<HealthState> probe(Endpoint endpoint, String service, Duration timeout) {
    CompletableFuture<HealthState> result = new CompletableFuture<>();
    AsynchronousSocketChannel channel;
    try {
      channel = AsynchronousSocketChannel.open();
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    // The runtime stops waiting at the timeout; closing the socket then also stops the kernel's
    // connect, which would otherwise hold a socket for minutes against a host that drops SYNs.
    ScheduledFuture<?> giveUp = scheduler.schedule(() -> close(channel), timeout.toNanos(), TimeUnit.NANOSECONDS);
    try {
      channel.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), null, new CompletionHandler<Void, Void>() {
        @Override
        public void completed(Void ignored, Void attachment) {
          giveUp.cancel(false);
          close(channel);
          result.complete(HealthState.HEALTHY);
        }

        @Override
        public void failed(Throwable failure, Void attachment) {
          giveUp.cancel(false);
          close(channel);
          result.completeExceptionally(failure);
        }
      });
    } catch (RuntimeException e) {
      // An unresolvable host name, for one.
      giveUp.cancel(false);
      close(channel);
      result.completeExceptionally(e);
    }
    return result;
  }

  private static void close(AsynchronousSocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // Nothing left to release.
    }
  }
}

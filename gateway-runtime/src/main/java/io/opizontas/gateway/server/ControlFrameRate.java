package io.opizontas.gateway.server;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.frames.Frame;
import org.eclipse.jetty.http2.frames.FrameType;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.http2.frames.WindowUpdateFrame;
import org.eclipse.jetty.io.RateControl;
import org.eclipse.jetty.io.WindowRateControl;

/**
 * How many control frames one client connection may send per second before Jetty answers GOAWAY
 * ENHANCE_YOUR_CALM: RST_STREAM, SETTINGS, PRIORITY, empty DATA, zero WINDOW_UPDATE, DATA for a
 * closed stream, and the frames below beyond what the gateway's own frames account for.
 *
 * <p>Why some frames are judged apart: grpc-go answers the data it receives. It sends a PING each
 * time it receives data and has none outstanding (to estimate the bandwidth-delay product), and a
 * WINDOW_UPDATE for the bytes of a stream it read, often after the stream closed (RFC 9113 section
 * 5.1 allows it). Under load that is thousands a second on a fast network, and counted like other
 * control frames they cut its connection ("transport is closing") once the budget was spent. gRPC
 * servers count a client's PING only when they sent no HEADERS or DATA since the previous one (gRFC
 * A8); this generalises it: each HEADERS or DATA frame the gateway sends lets the client send one
 * PING or one WINDOW_UPDATE of a closed stream that is not counted. Beyond those they count, so a
 * client flooding them still runs into the budget, as soon as the gateway has nothing to send, which
 * is also the case when the flooding client stops reading.
 *
 * <p>One per connection: Jetty's parser and session report the events, and the session reports the
 * frames it sends ({@link HTTP2Session.FrameListener}).
 */
final class ControlFrameRate implements RateControl, HTTP2Session.FrameListener {

  /** Answers the client may bank: a burst of the gateway's frames earns no flood later. */
  private static final int MOST_CREDITS = 1024;

  private final WindowRateControl counted;
  /** Frames the client may still send in answer to the gateway's, uncounted. */
  private final AtomicInteger credits = new AtomicInteger();

  ControlFrameRate(int perSecond) {
    this.counted = new WindowRateControl(perSecond, Duration.ofSeconds(1));
  }

  @Override
  public boolean onEvent(Object event) {
    if (answersTheGateway(event) && takeCredit()) {
      return true;
    }
    return counted.onEvent(event);
  }

  private static boolean answersTheGateway(Object event) {
    if (event instanceof PingFrame ping) {
      return !ping.isReply();
    }
    return event instanceof WindowUpdateFrame update && update.getStreamId() != 0 && update.getWindowDelta() > 0;
  }

  private boolean takeCredit() {
    while (true) {
      int now = credits.get();
      if (now == 0) {
        return false;
      }
      if (credits.compareAndSet(now, now - 1)) {
        return true;
      }
    }
  }

  @Override
  public void onOutgoingFrame(Session session, Frame frame) {
    FrameType type = frame.getType();
    if ((type == FrameType.DATA || type == FrameType.HEADERS) && credits.get() < MOST_CREDITS) {
      credits.incrementAndGet();
    }
  }
}

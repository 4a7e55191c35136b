package io.opizontas.gateway.proxy;

import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.io.CyclicTimeouts;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The grpc-timeout deadlines of every call in flight, behind one timer.
 *
 * <p>A timer task per call costs two wake-ups of the timer thread per call (one to schedule it at
 * the head of the queue, one to cancel it), which at one call in flight is a context switch each.
 * Here the timer is armed only for a deadline earlier than every deadline already armed; calls that
 * end in time just leave the set. When the timer fires, it expires the calls whose deadline passed
 * and re-arms for the earliest one left.
 */
final class CallDeadlines extends CyclicTimeouts<ProxyCall> {

  private final Set<ProxyCall> calls = ConcurrentHashMap.newKeySet();

  CallDeadlines(Scheduler scheduler) {
    super(scheduler);
  }

  /** Watches the deadline of a call that has one. */
  void watch(ProxyCall call) {
    calls.add(call);
    schedule(call);
  }

  /** Forgets a call that ended. */
  void forget(ProxyCall call) {
    calls.remove(call);
  }

  @Override
  protected Iterator<ProxyCall> iterator() {
    return calls.iterator();
  }

  @Override
  protected boolean onExpired(ProxyCall call) {
    call.deadlineExpired();
    return true;
  }
}

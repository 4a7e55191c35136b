package io.opizontas.gateway.io;

import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.util.Callback;

/**
 * What one thread does with the bytes of one socket read: parsing them, forwarding the frames they
 * hold and every write that causes. Writes made during a batch into a {@link WriteCombiningEndPoint}
 * wait in that endpoint until the batch reads again or ends, so that a read's frames for one
 * connection leave in one socket write.
 *
 * <p>A batch belongs to its thread (a selector thread, as Jetty runs the data path's non-blocking
 * work there); a write from any other thread, or outside a read, is not combined.
 */
final class ReadBatch {

  private static final ThreadLocal<ReadBatch> CURRENT = ThreadLocal.withInitial(ReadBatch::new);

  private final List<WriteCombiningEndPoint> enlisted = new ArrayList<>();
  private int depth;

  /** The calling thread's batch, or null when the thread is not handling a read. */
  static ReadBatch current() {
    ReadBatch batch = CURRENT.get();
    return batch.depth > 0 ? batch : null;
  }

  /**
   * Runs a connection's read callback as a batch: everything its writes combined leaves when it
   * returns, whatever it throws. Nested reads (a demand that makes another connection read
   * inline) join the batch they run in.
   */
  static void run(Callback read) {
    ReadBatch batch = CURRENT.get();
    batch.depth++;
    try {
      read.succeeded();
    } finally {
      if (--batch.depth == 0) {
        batch.flush();
      }
    }
  }

  /** Before a connection reads again: what the previous read produced leaves first. */
  static void flushCurrent() {
    ReadBatch batch = CURRENT.get();
    if (batch.depth > 0) {
      batch.flush();
    }
  }

  void enlist(WriteCombiningEndPoint endPoint) {
    enlisted.add(endPoint);
  }

  private void flush() {
    // A flush that completes at once can let the flusher write again and enlist anew: by index,
    // so those are flushed in this pass too.
    for (int i = 0; i < enlisted.size(); i++) {
      enlisted.get(i).flushCombined();
    }
    enlisted.clear();
  }
}

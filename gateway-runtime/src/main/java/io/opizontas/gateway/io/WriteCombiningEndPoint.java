package io.opizontas.gateway.io;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.WritePendingException;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.AutoLock;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * The socket of an HTTP/2 connection, as its session writes to it: small writes made while a
 * thread handles a read ({@link ReadBatch}) are gathered here and leave in one socket write when
 * that thread reads again or its read ends.
 *
 * <p>Why: Jetty's flusher writes a frame as soon as it is queued (on a fast network the socket is
 * never full, so nothing queues behind a write), and the gateway forwards a stream's next frame
 * only when the previous one is written. Without this a unary call cost three socket writes each
 * way (HEADERS, DATA, trailers), and every write woke the peer for a read of its own.
 *
 * <p>A write of at most {@value #COPY_LIMIT} bytes (frame headers, HPACK blocks, small messages)
 * is copied into one pooled buffer per connection and reported written at once, so the session and
 * the call go on within the read. A larger write is never copied: it leaves at once, behind what
 * was gathered, in one gather write, and is reported written when the socket took it. Bytes leave
 * in the order they were written. A graceful close or output shutdown waits for the gathered bytes.
 *
 * <p>Once {@value #FLUSH_AT} bytes are gathered, the next frame that ends a stream sends them without
 * waiting for the read to end: on a connection carrying many calls, the peer starts on the first
 * calls of a read while the gateway handles the rest (one write per read made each hop wait for a
 * whole read's worth of calls), and a call's frames are still never split across writes.
 */
public final class WriteCombiningEndPoint implements EndPoint, EndPoint.Wrapper {

  /** The largest write copied; larger ones are only ever gathered. */
  static final int COPY_LIMIT = 8 * 1024;

  /** What one connection gathers at most before it writes. */
  static final int CAPACITY = 32 * 1024;

  /** Gathered bytes that leave at the next end of a stream, without waiting for the read's end. */
  static final int FLUSH_AT = 1024;

  private final EndPoint socket;
  private final ByteBufferPool buffers;
  private final AutoLock lock = new AutoLock();
  private final Written written = new Written();
  private BatchedRead batchedRead;
  /** Only the connection's reading thread of the moment touches it. */
  private boolean drained;

  // Guarded by lock.
  private RetainableByteBuffer gathered;
  private boolean enlisted;
  private boolean writing;
  private Callback writer;
  private Callback queued;
  private ByteBuffer[] queuedBuffers;
  private boolean closeWhenWritten;
  private boolean shutdownWhenWritten;

  public WriteCombiningEndPoint(EndPoint socket, ByteBufferPool buffers) {
    this.socket = socket;
    this.buffers = buffers;
  }

  @Override
  public EndPoint unwrap() {
    return socket;
  }

  @Override
  public void write(Callback callback, ByteBuffer... bytes) throws WritePendingException {
    ReadBatch batch = ReadBatch.current();
    ByteBuffer[] out;
    ByteBuffer flush = null;
    try (AutoLock ignored = lock.lock()) {
      if (writing) {
        // Only the session writes here, and it waits for each write: this one came while a gathered
        // flush was on the socket.
        if (queued != null) {
          throw new WritePendingException();
        }
        queued = callback;
        queuedBuffers = bytes;
        return;
      }
      long size = BufferUtil.remaining(bytes);
      int from = gathered == null ? 0 : gathered.getByteBuffer().limit();
      if (batch != null && size <= COPY_LIMIT && gather(bytes, size)) {
        if (!enlisted) {
          enlisted = true;
          batch.enlist(this);
        }
        ByteBuffer all = gathered.getByteBuffer();
        if (all.remaining() >= FLUSH_AT && Http2Frames.endsAStream(all, from)) {
          // Enough for one write, and a call's last frame just joined it: the peer can start on
          // these calls while the rest of the read is handled (the stages of a busy connection
          // overlap instead of each waiting for the whole read), and no call's frames are split.
          flush = startFlush();
        }
        out = null;
      } else {
        writing = true;
        writer = callback;
        out = gathered == null ? bytes : behindGathered(bytes);
      }
    }
    if (out == null) {
      if (flush != null) {
        socket.write(written, flush);
      }
      callback.succeeded();
    } else {
      socket.write(written, out);
    }
  }

  private boolean gather(ByteBuffer[] bytes, long size) {
    if (gathered == null) {
      gathered = buffers.acquire(CAPACITY, true);
    } else if (BufferUtil.space(gathered.getByteBuffer()) < size) {
      return false;
    }
    ByteBuffer into = gathered.getByteBuffer();
    for (ByteBuffer buffer : bytes) {
      BufferUtil.append(into, buffer);
    }
    return true;
  }

  private ByteBuffer[] behindGathered(ByteBuffer[] bytes) {
    ByteBuffer[] out = new ByteBuffer[bytes.length + 1];
    out[0] = gathered.getByteBuffer();
    System.arraycopy(bytes, 0, out, 1, bytes.length);
    return out;
  }

  /** Writes what was gathered, unless a write is on the socket already (it carries it). */
  void flushCombined() {
    ByteBuffer out;
    try (AutoLock ignored = lock.lock()) {
      enlisted = false;
      out = startFlush();
    }
    if (out != null) {
      socket.write(written, out);
    }
  }

  private ByteBuffer startFlush() {
    if (writing || gathered == null) {
      return null;
    }
    writing = true;
    writer = null;
    return gathered.getByteBuffer();
  }

  /** The one write on the socket at a time: a gathered flush, or the session's write behind it. */
  private final class Written implements Callback {

    @Override
    public void succeeded() {
      Callback done;
      Callback next;
      ByteBuffer[] nextBytes;
      boolean close;
      boolean shutdown;
      try (AutoLock ignored = lock.lock()) {
        releaseGathered();
        writing = false;
        done = writer;
        writer = null;
        next = queued;
        nextBytes = queuedBuffers;
        queued = null;
        queuedBuffers = null;
        close = closeWhenWritten;
        shutdown = shutdownWhenWritten && !close;
      }
      if (done != null) {
        done.succeeded();
      }
      if (next != null) {
        write(next, nextBytes);
      } else if (close) {
        socket.close();
      } else if (shutdown) {
        socket.shutdownOutput();
      }
    }

    @Override
    public void failed(Throwable failure) {
      Callback done;
      Callback next;
      try (AutoLock ignored = lock.lock()) {
        releaseGathered();
        writing = false;
        done = writer;
        next = queued;
        writer = null;
        queued = null;
        queuedBuffers = null;
      }
      if (done != null) {
        done.failed(failure);
      }
      if (next != null) {
        next.failed(failure);
      }
      // Gathered frames were reported written: the session learns of the lost bytes from the close.
      socket.close(failure);
    }

    @Override
    public InvocationType getInvocationType() {
      // Completing a write runs the session's flusher, which never blocks.
      return InvocationType.NON_BLOCKING;
    }
  }

  private void releaseGathered() {
    if (gathered != null) {
      gathered.release();
      gathered = null;
    }
  }

  @Override
  public void close(Throwable cause) {
    ByteBuffer out = null;
    boolean now;
    try (AutoLock ignored = lock.lock()) {
      now = cause != null || !(writing || gathered != null);
      if (now) {
        if (!writing) {
          releaseGathered();
        }
      } else {
        // A graceful close (after GOAWAY) must not lose the gathered frames, GOAWAY among them.
        closeWhenWritten = true;
        out = startFlush();
      }
    }
    if (out != null) {
      socket.write(written, out);
    } else if (now) {
      socket.close(cause);
    }
  }

  @Override
  public void shutdownOutput() {
    ByteBuffer out = null;
    boolean now;
    try (AutoLock ignored = lock.lock()) {
      now = !(writing || gathered != null);
      if (!now) {
        shutdownWhenWritten = true;
        out = startFlush();
      }
    }
    if (out != null) {
      socket.write(written, out);
    } else if (now) {
      socket.shutdownOutput();
    }
  }

  @Override
  public int fill(ByteBuffer buffer) throws IOException {
    ReadBatch.flushCurrent();
    if (drained) {
      // The previous read found fewer bytes than it had room for: the socket was empty. Reading
      // again would cost a system call that finds nothing (EAGAIN) as often as not; saying so lets
      // Jetty wait for the selector instead, which reports the socket readable at once if bytes
      // came meanwhile. Behind TLS a short read says nothing of the socket, so only for plaintext.
      drained = false;
      return 0;
    }
    int room = buffer.capacity() - buffer.limit();
    int filled = socket.fill(buffer);
    drained = filled > 0 && filled < room && !socket.isSecure();
    return filled;
  }

  @Override
  public boolean flush(ByteBuffer... bytes) throws IOException {
    try (AutoLock ignored = lock.lock()) {
      if (writing || gathered != null) {
        // Would overtake gathered bytes; "not flushed yet" is the honest answer.
        return false;
      }
    }
    return socket.flush(bytes);
  }

  @Override
  public void fillInterested(Callback read) {
    socket.fillInterested(batched(read));
  }

  @Override
  public boolean tryFillInterested(Callback read) {
    return socket.tryFillInterested(batched(read));
  }

  private Callback batched(Callback read) {
    // The connection passes the same read callback every time: one wrapper for its life.
    BatchedRead current = batchedRead;
    if (current == null || current.read != read) {
      current = new BatchedRead(read);
      batchedRead = current;
    }
    return current;
  }

  /** A connection's read callback, run as a batch; Jetty still sees the callback's own invocation type. */
  private static final class BatchedRead implements Callback {
    private final Callback read;

    BatchedRead(Callback read) {
      this.read = read;
    }

    @Override
    public void succeeded() {
      ReadBatch.run(read);
    }

    @Override
    public void failed(Throwable failure) {
      read.failed(failure);
    }

    @Override
    public InvocationType getInvocationType() {
      return Invocable.getInvocationType(read);
    }
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    return socket.getLocalSocketAddress();
  }

  @Override
  public SocketAddress getRemoteSocketAddress() {
    return socket.getRemoteSocketAddress();
  }

  @Override
  public boolean isOpen() {
    return socket.isOpen();
  }

  @Override
  public long getCreatedTimeStamp() {
    return socket.getCreatedTimeStamp();
  }

  @Override
  public boolean isOutputShutdown() {
    return socket.isOutputShutdown();
  }

  @Override
  public boolean isInputShutdown() {
    return socket.isInputShutdown();
  }

  @Override
  public Object getTransport() {
    return socket.getTransport();
  }

  @Override
  public long getIdleTimeout() {
    return socket.getIdleTimeout();
  }

  @Override
  public void setIdleTimeout(long idleTimeout) {
    socket.setIdleTimeout(idleTimeout);
  }

  @Override
  public boolean isFillInterested() {
    return socket.isFillInterested();
  }

  @Override
  public Callback cancelWrite(Throwable cause) {
    return socket.cancelWrite(cause);
  }

  @Override
  public Connection getConnection() {
    return socket.getConnection();
  }

  @Override
  public void setConnection(Connection connection) {
    socket.setConnection(connection);
  }

  @Override
  public void onOpen() {
    socket.onOpen();
  }

  @Override
  public void onClose(Throwable cause) {
    socket.onClose(cause);
  }

  @Override
  public void upgrade(Connection newConnection) {
    socket.upgrade(newConnection);
  }

  @Override
  public SslSessionData getSslSessionData() {
    return socket.getSslSessionData();
  }

  @Override
  public boolean isSecure() {
    return socket.isSecure();
  }

  @Override
  public String toString() {
    return "WriteCombining[" + socket + "]";
  }
}

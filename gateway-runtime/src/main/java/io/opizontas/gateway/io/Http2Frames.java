package io.opizontas.gateway.io;

import java.nio.ByteBuffer;

/** What the combiner reads of the HTTP/2 frames it gathers: their 9-byte headers, nothing more. */
final class Http2Frames {

  private static final int HEADER_BYTES = 9;
  private static final int DATA = 0x0;
  private static final int HEADERS = 0x1;
  private static final int END_STREAM = 0x1;

  private Http2Frames() {}

  /**
   * Whether a frame starting at or after {@code from} in {@code frames} (flush mode; whole frames
   * from {@code from} on, as a session writes them) ends a stream. The client preface is not a
   * frame: read as one it claims megabytes and ends the walk, answering false, which only means no
   * early write.
   */
  static boolean endsAStream(ByteBuffer frames, int from) {
    int end = frames.limit();
    for (int at = from; at + HEADER_BYTES <= end; ) {
      int length = (frames.get(at) & 0xFF) << 16 | (frames.get(at + 1) & 0xFF) << 8 | frames.get(at + 2) & 0xFF;
      int type = frames.get(at + 3);
      if ((type == DATA || type == HEADERS) && (frames.get(at + 4) & END_STREAM) != 0) {
        return true;
      }
      at += HEADER_BYTES + length;
    }
    return false;
  }
}

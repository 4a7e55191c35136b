package io.opizontas.gateway.plugins.health;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The two messages of {@code grpc.health.v1.Health/Check} in protobuf's wire format, written by hand
 * so the plugin needs no protobuf library: {@code HealthCheckRequest { string service = 1; }} and
 * {@code HealthCheckResponse { ServingStatus status = 1; }}.
 */
final class HealthWire {

  /** {@code ServingStatus.SERVING}. */
  static final int SERVING = 1;
  /** What a response without a status field means: proto3's default, {@code UNKNOWN}. */
  static final int UNKNOWN = 0;

  private static final int STRING_FIELD_1 = 1 << 3 | 2;
  private static final int VARINT_FIELD_1 = 1 << 3;

  private HealthWire() {}

  /** A request for {@code service}; the empty string asks about the whole server (an empty message). */
  static byte[] request(String service) {
    if (service.isEmpty()) {
      return new byte[0];
    }
    byte[] name = service.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(name.length + 6);
    out.write(STRING_FIELD_1);
    writeVarint(out, name.length);
    out.write(name, 0, name.length);
    return out.toByteArray();
  }

  /**
   * The {@code status} of a response; {@link #UNKNOWN} when absent.
   *
   * @throws IllegalArgumentException when the bytes are not a well-formed message
   */
  static int status(byte[] response) {
    int status = UNKNOWN;
    int[] at = {0};
    while (at[0] < response.length) {
      long tag = readVarint(response, at);
      int wireType = (int) (tag & 7);
      long field = tag >>> 3;
      switch (wireType) {
        case 0 -> {
          long value = readVarint(response, at);
          if (field == 1) {
            status = (int) value;
          }
        }
        case 1 -> at[0] += 8;
        case 2 -> {
          // Read the length first: "at[0] += readVarint(...)" would add it to the position before the read.
          long length = readVarint(response, at);
          if (length < 0 || length > response.length) {
            throw new IllegalArgumentException("field length " + length + " in a HealthCheckResponse");
          }
          at[0] += (int) length;
        }
        case 5 -> at[0] += 4;
        default -> throw new IllegalArgumentException("wire type " + wireType + " in a HealthCheckResponse");
      }
      if (at[0] > response.length) {
        throw new IllegalArgumentException("truncated HealthCheckResponse");
      }
    }
    return status;
  }

  /** The name of a {@code ServingStatus} value, as the proto spells it. */
  static String statusName(int status) {
    return switch (status) {
      case 0 -> "UNKNOWN";
      case 1 -> "SERVING";
      case 2 -> "NOT_SERVING";
      case 3 -> "SERVICE_UNKNOWN";
      default -> "status " + status;
    };
  }

  private static void writeVarint(ByteArrayOutputStream out, int value) {
    while ((value & ~0x7F) != 0) {
      out.write(value & 0x7F | 0x80);
      value >>>= 7;
    }
    out.write(value);
  }

  private static long readVarint(byte[] bytes, int[] at) {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at[0] >= bytes.length) {
        throw new IllegalArgumentException("truncated varint in a HealthCheckResponse");
      }
      byte b = bytes[at[0]++];
      value |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return value;
      }
    }
    throw new IllegalArgumentException("varint longer than 10 bytes in a HealthCheckResponse");
  }
}

package io.opizontas.gateway.proxy;

import io.opizontas.gateway.api.GrpcStatus;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.frames.HeadersFrame;

/** The HEADERS frames the gateway answers with when it ends a call itself. */
final class GrpcFrames {

  static final String CONTENT_TYPE = "application/grpc";
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private GrpcFrames() {}

  /** A trailers-only response: HTTP 200, {@code grpc-status}, {@code grpc-message}, END_STREAM. */
  static HeadersFrame trailersOnly(int streamId, GrpcStatus status) {
    HttpFields.Mutable fields = HttpFields.build(3)
        .put("content-type", CONTENT_TYPE);
    putStatus(fields, status);
    MetaData.Response response =
        new MetaData.Response(HttpStatus.OK_200, null, HttpVersion.HTTP_2, fields);
    return new HeadersFrame(streamId, response, null, true);
  }

  /** Trailers after a response that already sent its headers. */
  static HeadersFrame trailers(int streamId, GrpcStatus status) {
    HttpFields.Mutable fields = HttpFields.build(2);
    putStatus(fields, status);
    return new HeadersFrame(streamId, new MetaData(HttpVersion.HTTP_2, fields), null, true);
  }

  private static void putStatus(HttpFields.Mutable fields, GrpcStatus status) {
    fields.put("grpc-status", Integer.toString(status.code().value()));
    if (!status.message().isEmpty()) {
      fields.put("grpc-message", percentEncode(status.message()));
    }
  }

  /**
   * Percent-encodes as the gRPC spec asks of {@code grpc-message}: UTF-8, printable ASCII kept. A
   * space at either end is encoded too: HTTP/2 forbids a field value to start or end with one (RFC
   * 9113 section 8.2.1), and clients decode {@code %20} back to the same text.
   */
  static String percentEncode(String message) {
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length);
    for (int i = 0; i < bytes.length; i++) {
      int c = bytes[i] & 0xFF;
      boolean edge = i == 0 || i == bytes.length - 1;
      if (c > 0x20 && c < 0x7F && c != '%' || c == 0x20 && !edge) {
        out.append((char) c);
      } else {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    return out.toString();
  }
}

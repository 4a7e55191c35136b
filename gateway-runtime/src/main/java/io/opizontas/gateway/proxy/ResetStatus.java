package io.opizontas.gateway.proxy;

import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.GrpcStatusCode;
import org.eclipse.jetty.http2.ErrorCode;

/**
 * The gRPC status a client sees for an HTTP/2 RST_STREAM error code, as the gRPC over HTTP/2 spec
 * maps them ("Errors" in PROTOCOL-HTTP2.md).
 */
final class ResetStatus {

  private ResetStatus() {}

  static GrpcStatus of(int errorCode) {
    ErrorCode error = ErrorCode.from(errorCode);
    GrpcStatusCode code;
    if (error == null) {
      code = GrpcStatusCode.INTERNAL;
    } else {
      code = switch (error) {
        case REFUSED_STREAM_ERROR -> GrpcStatusCode.UNAVAILABLE;
        case CANCEL_STREAM_ERROR -> GrpcStatusCode.CANCELLED;
        case ENHANCE_YOUR_CALM_ERROR -> GrpcStatusCode.RESOURCE_EXHAUSTED;
        case INADEQUATE_SECURITY_ERROR -> GrpcStatusCode.PERMISSION_DENIED;
        default -> GrpcStatusCode.INTERNAL;
      };
    }
    String name = error == null ? "error code " + errorCode : error.name();
    return GrpcStatus.of(code, "the backend reset the stream with " + name);
  }
}

package io.opizontas.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.api.GrpcStatusCode;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http2.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The small wire rules the data path applies: timeouts, status messages, reset codes, headers. */
class GrpcWireFormatsTest {

  @ParameterizedTest
  @CsvSource({"1H,3600000", "2M,120000", "3S,3000", "250m,250", "1000u,1", "5000000n,5"})
  void grpcTimeoutUnits(String header, long millis) {
    assertThat(TimeUnit.NANOSECONDS.toMillis(GrpcTimeout.parseNanos(header))).isEqualTo(millis);
  }

  @ParameterizedTest
  @CsvSource({"''", "5", "m", "123456789S", "-1S", "10x", "1.5S"})
  void malformedGrpcTimeoutMeansNoDeadline(String header) {
    assertThat(GrpcTimeout.parseNanos(header)).isEqualTo(-1);
  }

  @Test
  void absentGrpcTimeoutMeansNoDeadline() {
    assertThat(GrpcTimeout.parseNanos(null)).isEqualTo(-1);
  }

  @Test
  void grpcMessageIsPercentEncodedUtf8() {
    assertThat(GrpcFrames.percentEncode("plain ASCII")).isEqualTo("plain ASCII");
    assertThat(GrpcFrames.percentEncode("100% ✓\n")).isEqualTo("100%25 %E2%9C%93%0A");
  }

  @Test
  void spacesAtEitherEndOfGrpcMessageAreEncodedForHttp2() {
    // RFC 9113 section 8.2.1: no field value may start or end with a space.
    assertThat(GrpcFrames.percentEncode("denied by x-deny: ")).isEqualTo("denied by x-deny:%20");
    assertThat(GrpcFrames.percentEncode(" ")).isEqualTo("%20");
    assertThat(GrpcFrames.percentEncode("  a  ")).isEqualTo("%20 a %20");
  }

  @Test
  void gatewayHopsAreCountedAndAMalformedCountIsNone() {
    assertThat(GatewayHops.of(HttpFields.build().put(GatewayHops.HEADER, "3"))).isEqualTo(3);
    assertThat(GatewayHops.of(HttpFields.build().put(GatewayHops.HEADER, "x"))).isZero();
    assertThat(GatewayHops.of(HttpFields.build().put(GatewayHops.HEADER, "-4"))).isZero();
    assertThat(GatewayHops.of(HttpFields.EMPTY)).isZero();
  }

  @Test
  void resetCodesMapAsTheGrpcSpecSays() {
    assertThat(ResetStatus.of(ErrorCode.REFUSED_STREAM_ERROR.code).code()).isEqualTo(GrpcStatusCode.UNAVAILABLE);
    assertThat(ResetStatus.of(ErrorCode.CANCEL_STREAM_ERROR.code).code()).isEqualTo(GrpcStatusCode.CANCELLED);
    assertThat(ResetStatus.of(ErrorCode.ENHANCE_YOUR_CALM_ERROR.code).code())
        .isEqualTo(GrpcStatusCode.RESOURCE_EXHAUSTED);
    assertThat(ResetStatus.of(ErrorCode.INADEQUATE_SECURITY_ERROR.code).code())
        .isEqualTo(GrpcStatusCode.PERMISSION_DENIED);
    assertThat(ResetStatus.of(ErrorCode.PROTOCOL_ERROR.code).code()).isEqualTo(GrpcStatusCode.INTERNAL);
    assertThat(ResetStatus.of(ErrorCode.NO_ERROR.code).code()).isEqualTo(GrpcStatusCode.INTERNAL);
    assertThat(ResetStatus.of(0x99).code()).isEqualTo(GrpcStatusCode.INTERNAL);
  }

  @Test
  void hopByHopHeadersAreDroppedAndTeTrailersKept() {
    HttpFields fields = HttpFields.build()
        .put("content-type", "application/grpc")
        .put("te", "trailers")
        .put("connection", "keep-alive")
        .put("keep-alive", "timeout=5")
        .put("x-custom", "kept");

    HttpFields forwarded = HopByHop.forwardable(fields);

    assertThat(forwarded.getFieldNamesCollection())
        .containsExactlyInAnyOrder("content-type", "te", "x-custom");
  }
}

package io.opizontas.gateway.plugins.balancers;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Methods whose messages are plain bytes, so backends and clients of the through-gateway tests need
 * no generated code: the gateway never looks inside a message anyway.
 */
final class RawMethods {

  private RawMethods() {}

  /** {@code /<service>/Echo}, unary. */
  static MethodDescriptor<byte[], byte[]> unary(String service) {
    return method(service, "Echo", MethodDescriptor.MethodType.UNARY);
  }

  /** {@code /<service>/Chat}, a bidi stream. */
  static MethodDescriptor<byte[], byte[]> bidi(String service) {
    return method(service, "Chat", MethodDescriptor.MethodType.BIDI_STREAMING);
  }

  private static MethodDescriptor<byte[], byte[]> method(String service, String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  };
}

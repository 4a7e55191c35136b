package io.opizontas.bench;

import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * The backend under test: raw byte messages (no protobuf), so the benchmark controls sizes exactly
 * and spends no CPU on encoding. Service {@value #SERVICE}:
 *
 * <ul>
 *   <li>{@code Echo} (unary): answers the request bytes;
 *   <li>{@code Upload} (client streaming): answers the number of bytes received, a big-endian long;
 *   <li>{@code Download} (server streaming): the request is a long, the bytes to send, and an int,
 *       the message size; sends them while the transport is ready, so the backend's own memory stays
 *       bounded whatever the reader's speed;
 *   <li>{@code Chat} (bidi streaming): answers each message with the same bytes, and ends the call
 *       when the client half-closes.
 * </ul>
 */
final class BenchService {

  static final String SERVICE = "bench.Bytes";

  static final MethodDescriptor<byte[], byte[]> ECHO = method("Echo", MethodType.UNARY);
  static final MethodDescriptor<byte[], byte[]> UPLOAD = method("Upload", MethodType.CLIENT_STREAMING);
  static final MethodDescriptor<byte[], byte[]> DOWNLOAD = method("Download", MethodType.SERVER_STREAMING);
  static final MethodDescriptor<byte[], byte[]> CHAT = method("Chat", MethodType.BIDI_STREAMING);

  private BenchService() {}

  private static MethodDescriptor<byte[], byte[]> method(String name, MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(Bytes.INSTANCE)
        .setResponseMarshaller(Bytes.INSTANCE)
        .build();
  }

  static byte[] downloadRequest(long bytes, int messageSize) {
    return ByteBuffer.allocate(12).putLong(bytes).putInt(messageSize).array();
  }

  static ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, response) -> {
          response.onNext(request);
          response.onCompleted();
        }))
        .addMethod(UPLOAD, ServerCalls.asyncClientStreamingCall(response -> new StreamObserver<byte[]>() {
          private long bytes;

          @Override
          public void onNext(byte[] message) {
            bytes += message.length;
          }

          @Override
          public void onError(Throwable failure) {}

          @Override
          public void onCompleted() {
            response.onNext(ByteBuffer.allocate(8).putLong(bytes).array());
            response.onCompleted();
          }
        }))
        .addMethod(DOWNLOAD, ServerCalls.asyncServerStreamingCall(BenchService::download))
        .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(response -> new StreamObserver<byte[]>() {
          @Override
          public void onNext(byte[] message) {
            response.onNext(message);
          }

          @Override
          public void onError(Throwable failure) {}

          @Override
          public void onCompleted() {
            response.onCompleted();
          }
        }))
        .build();
  }

  private static void download(byte[] request, StreamObserver<byte[]> observer) {
    ByteBuffer spec = ByteBuffer.wrap(request);
    long total = spec.getLong();
    byte[] message = new byte[spec.getInt()];
    ServerCallStreamObserver<byte[]> response = (ServerCallStreamObserver<byte[]>) observer;
    // The handler runs on the call's serializing executor, never concurrently with itself.
    response.setOnReadyHandler(new Runnable() {
      private long sent;
      private boolean completed;

      @Override
      public void run() {
        while (!completed && response.isReady() && !response.isCancelled()) {
          if (sent >= total) {
            completed = true;
            response.onCompleted();
            return;
          }
          int size = (int) Math.min(message.length, total - sent);
          response.onNext(size == message.length ? message : new byte[size]);
          sent += size;
        }
      }
    });
  }

  /** Passes byte arrays through; serializing copies them into the transport's buffers. */
  enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}

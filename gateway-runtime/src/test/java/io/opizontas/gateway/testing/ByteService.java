package io.opizontas.gateway.testing;

import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opizontas.gateway.cli.RawBytes;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test service of raw byte messages (no protobuf), so tests control sizes and timing exactly.
 * Service name {@value #SERVICE}:
 *
 * <ul>
 *   <li>{@code Echo} (unary): answers the request bytes;
 *   <li>{@code Count} (client streaming): answers the number of messages and bytes received, as
 *       two big-endian longs;
 *   <li>{@code Produce} (server streaming): the request is two ints, count and size; answers that
 *       many messages of that size;
 *   <li>{@code Chat} (bidi): echoes each message as it arrives;
 *   <li>{@code Hang} (bidi): never answers; counts cancellations it observes;
 *   <li>{@code Slow} (unary): the request is an int, a number of milliseconds; answers the request
 *       after that long, as a backend busy with the call would (the wait holds no thread).
 * </ul>
 */
public final class ByteService {

  public static final String SERVICE = "test.Bytes";

  public static final MethodDescriptor<byte[], byte[]> ECHO = method("Echo", MethodType.UNARY);
  public static final MethodDescriptor<byte[], byte[]> COUNT = method("Count", MethodType.CLIENT_STREAMING);
  public static final MethodDescriptor<byte[], byte[]> PRODUCE = method("Produce", MethodType.SERVER_STREAMING);
  public static final MethodDescriptor<byte[], byte[]> CHAT = method("Chat", MethodType.BIDI_STREAMING);
  public static final MethodDescriptor<byte[], byte[]> HANG = method("Hang", MethodType.BIDI_STREAMING);
  public static final MethodDescriptor<byte[], byte[]> SLOW = method("Slow", MethodType.UNARY);
  /** Answers NOT_FOUND, whatever the request: a call the backend fails. */
  public static final MethodDescriptor<byte[], byte[]> FAIL = method("Fail", MethodType.UNARY);

  /** Cancellations the backend saw on {@code Hang} calls. */
  public final AtomicInteger cancellations = new AtomicInteger();
  /** Counts down when a {@code Hang} call arrives at the backend. */
  public volatile CountDownLatch hangStarted = new CountDownLatch(1);
  /** Gets a permit when a {@code Slow} call arrives at the backend. */
  public final Semaphore slowArrived = new Semaphore(0);

  /** The request of a {@code Slow} call that answers after {@code delay}. */
  public static byte[] slowRequest(Duration delay) {
    return ByteBuffer.allocate(4).putInt(Math.toIntExact(delay.toMillis())).array();
  }

  private static MethodDescriptor<byte[], byte[]> method(String name, MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(RawBytes.INSTANCE)
        .setResponseMarshaller(RawBytes.INSTANCE)
        .build();
  }

  public ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, response) -> {
          response.onNext(request);
          response.onCompleted();
        }))
        .addMethod(COUNT, ServerCalls.asyncClientStreamingCall((StreamObserver<byte[]> response) -> new StreamObserver<byte[]>() {
          long messages;
          long bytes;

          @Override
          public void onNext(byte[] value) {
            messages++;
            bytes += value.length;
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            response.onNext(ByteBuffer.allocate(16).putLong(messages).putLong(bytes).array());
            response.onCompleted();
          }
        }))
        .addMethod(PRODUCE, ServerCalls.asyncServerStreamingCall((request, response) -> {
          ByteBuffer spec = ByteBuffer.wrap(request);
          int count = spec.getInt();
          byte[] message = new byte[spec.getInt()];
          for (int i = 0; i < count; i++) {
            response.onNext(message);
          }
          response.onCompleted();
        }))
        .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall((StreamObserver<byte[]> response) -> new StreamObserver<byte[]>() {
          @Override
          public void onNext(byte[] value) {
            response.onNext(value);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            response.onCompleted();
          }
        }))
        .addMethod(FAIL, ServerCalls.asyncUnaryCall((request, response) ->
            response.onError(Status.NOT_FOUND.withDescription("no such thing").asRuntimeException())))
        .addMethod(SLOW, ServerCalls.asyncUnaryCall((request, response) -> {
          slowArrived.release();
          CompletableFuture.delayedExecutor(ByteBuffer.wrap(request).getInt(), TimeUnit.MILLISECONDS).execute(() -> {
            response.onNext(request);
            response.onCompleted();
          });
        }))
        .addMethod(HANG, ServerCalls.asyncBidiStreamingCall((StreamObserver<byte[]> response) -> {
          io.grpc.Context.current().addListener(context -> cancellations.incrementAndGet(), Runnable::run);
          hangStarted.countDown();
          return new StreamObserver<byte[]>() {
            @Override
            public void onNext(byte[] value) {}

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          };
        }))
        .build();
  }
}

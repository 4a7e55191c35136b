package io.opizontas.gateway.registration;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Authenticates every registration call before it reaches {@link RegistryService}: an unknown caller
 * is answered UNAUTHENTICATED without touching the registry; a known one runs with its {@link
 * ServiceScope} in the gRPC context.
 */
final class TokenInterceptor implements ServerInterceptor {

  static final Context.Key<ServiceScope> SCOPE = Context.key("opizontas.registration.scope");

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final RegistrationTokens tokens;

  TokenInterceptor(RegistrationTokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    ServiceScope scope;
    try {
      scope = tokens.authenticate(headers.get(AUTHORIZATION));
    } catch (RegistrationTokens.Rejected e) {
      call.close(Status.UNAUTHENTICATED.withDescription(e.getMessage()), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(Context.current().withValue(SCOPE, scope), call, headers, next);
  }
}

package io.opizontas.gateway.registration;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opizontas.gateway.auth.BearerTokens;
import io.opizontas.gateway.tls.ClientCertificates;

/**
 * Authenticates every registration call before it reaches {@link RegistryService}, by bearer token
 * or, when the call carries none and came over the TLS listener with a client certificate, by that
 * certificate. An unknown caller, or a certificate that does not verify (another authority,
 * expired), is answered UNAUTHENTICATED; a verified certificate that no {@code
 * [[registration.certificates]]} entry names is PERMISSION_DENIED; either way the registry is not
 * touched. A known caller runs with its {@link ServiceScope} in the gRPC context.
 */
final class CallerInterceptor implements ServerInterceptor {

  static final Context.Key<ServiceScope> SCOPE = Context.key("opizontas.registration.scope");

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final RegistrationTokens tokens;
  private final RegistrationCertificates certificates;
  private final ClientCertificates clientCertificates;

  CallerInterceptor(RegistrationTokens tokens, RegistrationCertificates certificates,
      ClientCertificates clientCertificates) {
    this.tokens = tokens;
    this.certificates = certificates;
    this.clientCertificates = clientCertificates;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String authorization = headers.get(AUTHORIZATION);
    ServiceScope scope;
    try {
      if (authorization == null && clientCertificates != null && !certificates.isEmpty()) {
        scope = byCertificate(headers);
      } else {
        scope = tokens.authenticate(authorization);
      }
    } catch (BearerTokens.Rejected e) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription(e.getMessage()));
    } catch (RegistrationCertificates.Denied e) {
      return refuse(call, Status.PERMISSION_DENIED.withDescription(e.getMessage()));
    }
    return Contexts.interceptCall(Context.current().withValue(SCOPE, scope), call, headers, next);
  }

  private ServiceScope byCertificate(Metadata headers)
      throws BearerTokens.Rejected, RegistrationCertificates.Denied {
    ClientCertificates.Peer peer = clientCertificates.read(
        name -> headers.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER)));
    if (peer instanceof ClientCertificates.Peer.Verified verified) {
      return certificates.authorize(verified.certificate());
    }
    if (peer instanceof ClientCertificates.Peer.Untrusted untrusted) {
      throw new BearerTokens.Rejected("the client certificate is not trusted: " + untrusted.reason());
    }
    throw new BearerTokens.Rejected("missing 'authorization: Bearer <token>' metadata, and no client"
        + " certificate (register over the TLS listener with one, or with a token)");
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}

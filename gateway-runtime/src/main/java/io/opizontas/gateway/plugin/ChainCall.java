package io.opizontas.gateway.plugin;

import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.CallOutcome;
import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.Metadata;
import io.opizontas.gateway.proxy.FilteredCall;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.eclipse.jetty.http.HttpFields;

/**
 * One call on its way through the chain: the {@link Call} filters see, and afterwards the {@link
 * FilteredCall} verdict the data path holds for the response side.
 *
 * <p>The request side is handed from filter to filter through pool tasks and completed stages, so
 * each filter sees the edits of the ones before it without locks. When it ends the attributes are
 * sealed: filters and the data path then read an unmodifiable copy. The response hooks run later, in
 * one {@link HookPass} per headers or trailers, and the end hooks in one task once the call is over.
 */
final class ChainCall implements Call, FilteredCall {

  private final FilterChain chain;
  private final String service;
  private final String method;
  private final HttpFields.Mutable fields;
  private final FieldsMetadata requestHeaders;
  /** Written by the request-side filters only, one at a time. */
  private Map<String, String> attributes;
  /** The attributes once the request side ended; null until then. */
  private volatile Map<String, String> sealed;
  private GrpcStatus rejection;
  private volatile GrpcStatus responseFailure;

  ChainCall(FilterChain chain, String service, String method, HttpFields.Mutable requestHeaders) {
    this.chain = chain;
    this.service = service;
    this.method = method;
    this.fields = requestHeaders;
    this.requestHeaders = new FieldsMetadata(requestHeaders);
  }

  @Override
  public String service() {
    return service;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public Metadata requestHeaders() {
    return requestHeaders;
  }

  @Override
  public Map<String, String> attributes() {
    Map<String, String> done = sealed;
    if (done != null) {
      return done;
    }
    if (attributes == null) {
      attributes = new HashMap<>(4);
    }
    return attributes;
  }

  /**
   * Ends the request side letting the call through; returns the verdict: this call when the data
   * path needs it later, else the shared constant.
   */
  FilteredCall proceed() {
    boolean hasAttributes = attributes != null && !attributes.isEmpty();
    // A copy, so a filter that kept the map it filled cannot change it behind the data path's back.
    sealed = hasAttributes ? Collections.unmodifiableMap(new HashMap<>(attributes)) : Map.of();
    return hasAttributes || chain.observesResponse() || chain.observesEnd() ? this : FilteredCall.PROCEED;
  }

  /** Answers the call with {@code status} instead of forwarding it; returns this verdict. */
  ChainCall reject(GrpcStatus status) {
    // A filter that timed out may still be filling the map: nothing of it is kept.
    sealed = Map.of();
    rejection = status;
    return this;
  }

  @Override
  public GrpcStatus rejection() {
    return rejection;
  }

  /** Response hooks run only for calls the whole chain let through. */
  @Override
  public boolean observesResponse() {
    return rejection == null && chain.observesResponse();
  }

  @Override
  public boolean observesEnd() {
    return chain.observesEnd();
  }

  @Override
  public void onCallEnded(CallOutcome outcome) {
    chain.callEnded(new EndedCall(service, method, FieldsMetadata.readOnly(fields), attributes()), outcome);
  }

  @Override
  public CompletionStage<Void> onResponseHeaders(HttpFields.Mutable headers) {
    return new HookPass(chain, this, false, headers).start();
  }

  @Override
  public CompletionStage<Void> onTrailers(HttpFields.Mutable trailers) {
    return new HookPass(chain, this, true, trailers).start();
  }

  /** A response hook failed or timed out: the trailers will carry {@code status}. */
  void failOnResponse(GrpcStatus status) {
    responseFailure = status;
  }

  /** The status the trailers must carry because a response hook failed, or null. */
  GrpcStatus responseFailure() {
    return responseFailure;
  }

  @Override
  public String toString() {
    return "/" + service + "/" + method + (rejection == null ? "" : " rejected " + rejection.code());
  }

  /** The call as the end hooks see it: read-only, since it is over. */
  private record EndedCall(String service, String method, Metadata requestHeaders, Map<String, String> attributes)
      implements Call {}
}

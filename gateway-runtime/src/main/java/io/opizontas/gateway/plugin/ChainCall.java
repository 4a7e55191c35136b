package io.opizontas.gateway.plugin;

import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.Metadata;
import io.opizontas.gateway.proxy.FilteredCall;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;

/**
 * One call on its way through the chain: the {@link Call} filters see, and afterwards the {@link
 * FilteredCall} verdict the data path holds for the response side.
 *
 * <p>The request side is handed from filter to filter through completed stages, so each filter sees
 * the edits of the ones before it without locks. The response hooks run later, one at a time, on the
 * data path's threads.
 */
final class ChainCall implements Call, FilteredCall {

  private final FilterChain chain;
  private final String service;
  private final String method;
  private final FieldsMetadata requestHeaders;
  private Map<String, String> attributes;
  private GrpcStatus rejection;
  private volatile ChainLink failedOnResponse;

  ChainCall(FilterChain chain, String service, String method, HttpFields.Mutable requestHeaders) {
    this.chain = chain;
    this.service = service;
    this.method = method;
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
    if (attributes == null) {
      attributes = new HashMap<>(4);
    }
    return attributes;
  }

  /** Whether a filter attached attributes, without creating the map. */
  boolean hasAttributes() {
    return attributes != null && !attributes.isEmpty();
  }

  /** Answers the call with {@code status} instead of forwarding it; returns this verdict. */
  ChainCall reject(GrpcStatus status) {
    rejection = status;
    return this;
  }

  @Override
  public GrpcStatus rejection() {
    return rejection;
  }

  @Override
  public boolean observesResponse() {
    return chain.observesResponse();
  }

  @Override
  public void onResponseHeaders(HttpFields.Mutable headers) {
    FieldsMetadata view = new FieldsMetadata(headers);
    for (ChainLink link : chain.responseLinks()) {
      if (link.seesResponseHeaders()) {
        try {
          link.filter().onResponseHeaders(this, view);
        } catch (Exception | LinkageError | AssertionError e) {
          // The headers may be on their way already; the trailers carry the failure instead.
          link.failed(e);
          failedOnResponse = link;
        }
      }
    }
  }

  @Override
  public void onTrailers(HttpFields.Mutable trailers) {
    FieldsMetadata view = new FieldsMetadata(trailers);
    for (ChainLink link : chain.responseLinks()) {
      if (link.seesTrailers()) {
        try {
          link.filter().onTrailers(this, view);
        } catch (Exception | LinkageError | AssertionError e) {
          link.failed(e);
          failedOnResponse = link;
        }
      }
    }
    ChainLink failed = failedOnResponse;
    if (failed != null) {
      trailers.put("grpc-status", Integer.toString(failed.failureStatus().value()));
      trailers.put("grpc-message", "call filter '" + failed.pluginId() + "' failed");
    }
  }

  @Override
  public String toString() {
    return "/" + service + "/" + method + (rejection == null ? "" : " rejected " + rejection.code());
  }
}

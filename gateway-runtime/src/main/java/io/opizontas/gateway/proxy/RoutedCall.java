package io.opizontas.gateway.proxy;

import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.Metadata;
import io.opizontas.gateway.plugin.FieldsMetadata;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;

/**
 * A call as its balancer sees it: after every filter ran, with the metadata that will be forwarded
 * (read-only) and the attributes filters attached.
 */
record RoutedCall(String service, String method, Metadata requestHeaders, Map<String, String> attributes)
    implements Call {

  static RoutedCall of(String service, String method, HttpFields.Mutable forwarded, FilteredCall filtered) {
    return new RoutedCall(service, method, FieldsMetadata.readOnly(forwarded), filtered.attributes());
  }
}

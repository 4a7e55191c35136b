package io.opizontas.gateway.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code /metrics}: the registry in the Prometheus text format (0.0.4), written by the client
 * library's own writer. Runs on an admin thread: scrapes never touch the data path's threads.
 */
public final class MetricsHandler extends Handler.Abstract {

  private final PrometheusRegistry registry;
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  public MetricsHandler(PrometheusRegistry registry) {
    this.registry = registry;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
    writer.write(body, registry.scrape());
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, writer.getContentType());
    response.write(true, ByteBuffer.wrap(body.toByteArray()), callback);
    return true;
  }
}

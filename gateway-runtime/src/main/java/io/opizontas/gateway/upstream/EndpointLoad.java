package io.opizontas.gateway.upstream;

/**
 * What the gateway holds open to one endpoint address right now, for metrics.
 *
 * @param address         the endpoint's {@code host:port}
 * @param sessions        HTTP/2 sessions to it, draining ones included
 * @param openStreams     streams open on them: calls in flight, and grpc-health probes
 * @param connectFailures connects that failed since the gateway first connected to it (reset if it
 *                        leaves the routing table and comes back)
 */
public record EndpointLoad(String address, int sessions, int openStreams, long connectFailures) {}

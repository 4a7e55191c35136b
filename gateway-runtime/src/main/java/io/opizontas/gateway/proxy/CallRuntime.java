package io.opizontas.gateway.proxy;

import io.opizontas.gateway.metrics.CallMetrics;
import io.opizontas.gateway.routing.Router;
import io.opizontas.gateway.upstream.UpstreamPool;

/**
 * What every call shares: routing, the upstream sessions, the filter chain, the deadlines of calls
 * in flight, how many gateways a call may pass before it counts as a routing loop, and the metrics
 * calls count into.
 */
record CallRuntime(Router router, UpstreamPool upstreams, CallFilters filters, CallDeadlines deadlines, int maxHops,
    CallMetrics metrics) {}

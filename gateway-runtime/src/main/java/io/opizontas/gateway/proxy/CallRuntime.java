package io.opizontas.gateway.proxy;

import io.opizontas.gateway.routing.Router;
import io.opizontas.gateway.upstream.UpstreamPool;
import org.eclipse.jetty.util.thread.Scheduler;

/** What every call shares: routing, the upstream sessions, the filter chain and the timer. */
record CallRuntime(Router router, UpstreamPool upstreams, CallFilters filters, Scheduler scheduler) {}

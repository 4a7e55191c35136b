package io.opizontas.gateway.plugin;

import io.opizontas.gateway.api.EndpointCalls;
import io.opizontas.gateway.api.PluginContext;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;

/** What the runtime lends one plugin id; shared by every extension instance of that plugin. */
record RuntimePluginContext(
    String pluginId, Clock clock, Logger logger, MemoryPluginMetrics metrics, ScheduledExecutorService scheduler,
    Executor blockingExecutor, Path home, EndpointCalls endpointCalls)
    implements PluginContext {}

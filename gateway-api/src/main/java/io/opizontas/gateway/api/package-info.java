/**
 * The plugin contract of Opizontas Gateway: everything a plugin may see of the runtime.
 *
 * <p>This package depends on PF4J only. No Jetty, Netty or protobuf type appears here, so plugins
 * compile against {@code gateway-api} alone and keep working when the runtime's internals change.
 */
package io.opizontas.gateway.api;

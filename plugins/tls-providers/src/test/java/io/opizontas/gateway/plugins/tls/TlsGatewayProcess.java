package io.opizontas.gateway.plugins.tls;

import io.opizontas.gateway.api.Endpoint;
import io.opizontas.gateway.config.GatewayConfigReader;
import io.opizontas.gateway.server.Gateway;
import io.opizontas.gateway.testing.TestGateways;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.io.ArrayByteBufferPool;

/**
 * A gateway in a JVM of its own, so that its heap limit is the gateway's alone (the memory test
 * runs it at {@code -Xmx64m}), with a tracking buffer pool. Driven over stdin: {@code route SERVICE
 * HOST:PORT}, then {@code stop}, after which it prints {@code LEAKS n} and the peak heap used after
 * collections, and exits.
 */
public final class TlsGatewayProcess {

  private TlsGatewayProcess() {}

  /** {@code CONFIG_FILE}. */
  public static void main(String[] args) throws Exception {
    ArrayByteBufferPool.Tracking buffers = new ArrayByteBufferPool.Tracking();
    Gateway gateway = Gateway.start(GatewayConfigReader.read(Path.of(args[0])), buffers);
    System.out.println("READY " + gateway.tlsAddress().getPort());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      String[] words = line.split(" ");
      if (words[0].equals("route")) {
        TestGateways.route(gateway, Map.of(words[1], List.of(Endpoint.parse(words[2]))));
        System.out.println("ROUTED");
      } else if (words[0].equals("stop")) {
        gateway.close();
        System.out.println("LEAKS " + buffers.getLeaks().size());
        if (!buffers.getLeaks().isEmpty()) {
          System.out.println(buffers.dumpLeaks());
        }
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
          if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
            peak += pool.getCollectionUsage().getUsed();
          }
        }
        System.out.println("HEAP_AFTER_GC " + peak);
        System.out.flush();
        System.exit(0);
      }
    }
  }
}

package io.opizontas.gateway.registration;

import io.grpc.stub.ServerCallStreamObserver;
import io.opizontas.gateway.discovery.EndpointTable;
import io.opizontas.gateway.discovery.ServiceEndpoints;
import io.opizontas.registry.v1.WatchResponse;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code Watch} call: a snapshot, then the services that changed.
 *
 * <p>Changes are coalesced per service while the client is not ready to receive, so a slow watcher
 * costs at most one pending snapshot per watched service, never a growing queue, and registry
 * writers are never held up by it.
 */
final class WatchStream implements EndpointTable.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(WatchStream.class);

  private final List<String> services;
  private final Set<String> watched;
  private final ServerCallStreamObserver<WatchResponse> out;
  private final Map<String, ServiceEndpoints> pending = new LinkedHashMap<>();
  private final Map<String, ServiceEndpoints> sent = new HashMap<>();
  private WatchResponse snapshot;
  private EndpointTable.Subscription subscription;
  private boolean closed;

  WatchStream(List<String> services, ServerCallStreamObserver<WatchResponse> out) {
    this.services = List.copyOf(services);
    this.watched = Set.copyOf(services);
    this.out = out;
  }

  /** Subscribes, then takes the snapshot: a change racing the snapshot is sent after it, never lost. */
  void start(EndpointTable table) {
    out.setOnCancelHandler(this::close);
    out.setOnReadyHandler(this::drain);
    synchronized (this) {
      subscription = table.subscribe(this);
      WatchResponse.Builder first = WatchResponse.newBuilder().setSnapshot(true);
      for (String service : services) {
        ServiceEndpoints current = table.lookup(service);
        sent.put(service, current);
        first.addServices(RegistryMessages.toProto(service, current));
      }
      snapshot = first.build();
    }
    drain();
  }

  @Override
  public void changed(ServiceEndpoints endpoints) {
    if (!watched.contains(endpoints.service())) {
      return;
    }
    synchronized (this) {
      pending.put(endpoints.service(), endpoints);
    }
    drain();
  }

  private synchronized void drain() {
    if (closed) {
      return;
    }
    try {
      if (snapshot != null && out.isReady()) {
        out.onNext(snapshot);
        snapshot = null;
      }
      if (snapshot != null || pending.isEmpty() || !out.isReady()) {
        return;
      }
      WatchResponse.Builder changes = WatchResponse.newBuilder();
      pending.forEach(
          (service, endpoints) -> {
            // A change announced after the snapshot already showed it is not news.
            if (sent.put(service, endpoints) != endpoints) {
              changes.addServices(RegistryMessages.toProto(service, endpoints));
            }
          });
      pending.clear();
      if (changes.getServicesCount() > 0) {
        out.onNext(changes.build());
      }
    } catch (RuntimeException e) {
      // The call is gone (cancelled between isReady and onNext): stop watching.
      LOG.debug("watch of {} ended: {}", services, e.toString());
      close();
    }
  }

  private synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    pending.clear();
    if (subscription != null) {
      subscription.close();
    }
  }
}

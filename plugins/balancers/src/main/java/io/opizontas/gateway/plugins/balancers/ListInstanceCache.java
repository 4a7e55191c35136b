package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.api.Endpoint;
import java.util.List;
import java.util.function.Function;

/**
 * What a balancer derives from one endpoint list (weights, counters, a ring), rebuilt only when the
 * runtime hands over a different list instance: gateway-api promises the same instance while a
 * service's set is unchanged, so an identity check is all a pick pays in steady state.
 *
 * <p>Rebuilding never blocks: the thread that sees a new instance builds the state on its own and
 * publishes it through a volatile write. Two threads seeing the same new instance at once may both
 * build; the last write wins and the other's state serves only the picks already holding it, which
 * is harmless for every strategy here.
 */
final class ListInstanceCache<S> {

  /** A derived state with the list instance it was derived from. */
  private record Entry<S>(List<Endpoint> endpoints, S state) {}

  private final Function<List<Endpoint>, S> build;
  private volatile Entry<S> current;

  ListInstanceCache(Function<List<Endpoint>, S> build) {
    this.build = build;
  }

  /** The state derived from {@code endpoints}, built now if this instance was not the last seen. */
  S of(List<Endpoint> endpoints) {
    Entry<S> entry = current;
    if (entry != null && entry.endpoints == endpoints) {
      return entry.state;
    }
    S state = build.apply(endpoints);
    current = new Entry<>(endpoints, state);
    return state;
  }

  /** The state last built, or null before the first pick: for callbacks that come without a list. */
  S latest() {
    Entry<S> entry = current;
    return entry == null ? null : entry.state;
  }
}

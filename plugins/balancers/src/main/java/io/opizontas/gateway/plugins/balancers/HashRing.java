package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.api.Endpoint;
import java.util.Arrays;
import java.util.List;

/**
 * A ketama-style ring for one endpoint list: each endpoint places {@code pointsPerEndpoint} points,
 * at the hashes of {@code "<address>#<i>"}, and a key belongs to the first point at or after its own
 * hash, wrapping around.
 *
 * <p>A point depends only on its endpoint's address and index, never on the rest of the set, so
 * when an endpoint leaves only the keys on its points move (to the next point), and every other key
 * stays where it was.
 */
final class HashRing {

  private final long[] points;
  private final int[] owners;

  HashRing(List<Endpoint> endpoints, int pointsPerEndpoint) {
    int size = endpoints.size() * pointsPerEndpoint;
    long[] hashes = new long[size];
    int[] endpointOf = new int[size];
    int p = 0;
    for (int e = 0; e < endpoints.size(); e++) {
      String address = endpoints.get(e).address();
      for (int i = 0; i < pointsPerEndpoint; i++, p++) {
        hashes[p] = Hash64.of(address + "#" + i);
        endpointOf[p] = e;
      }
    }
    // Sort the points, carrying each one's owner along; ties (a 64-bit collision) by owner, so the
    // ring does not depend on the order of the list.
    Integer[] order = new Integer[size];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, (a, b) -> {
      int byHash = Long.compare(hashes[a], hashes[b]);
      return byHash != 0 ? byHash : endpoints.get(endpointOf[a]).address().compareTo(endpoints.get(endpointOf[b]).address());
    });
    points = new long[size];
    owners = new int[size];
    for (int i = 0; i < size; i++) {
      points[i] = hashes[order[i]];
      owners[i] = endpointOf[order[i]];
    }
  }

  /** The position in the list of the endpoint that owns {@code hash}. */
  int owner(long hash) {
    int found = Arrays.binarySearch(points, hash);
    int at = found >= 0 ? found : -found - 1;
    return owners[at == points.length ? 0 : at];
  }
}

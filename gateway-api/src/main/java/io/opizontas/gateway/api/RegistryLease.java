package io.opizontas.gateway.api;

import java.time.Duration;
import java.util.Objects;

/**
 * A registration held by a {@link Registrar}: the handle a backend service keeps alive.
 *
 * @param id  opaque and unguessable (it is the only credential needed to renew or end the lease),
 *            never empty
 * @param ttl how long the lease lives from now without a keep-alive; positive
 */
public record RegistryLease(String id, Duration ttl) {

  /** Rejects an empty id and a TTL that is not positive. */
  public RegistryLease {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(ttl, "ttl");
    if (id.isEmpty()) {
      throw new IllegalArgumentException("lease id is empty");
    }
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("lease ttl " + ttl + " is not positive");
    }
  }
}

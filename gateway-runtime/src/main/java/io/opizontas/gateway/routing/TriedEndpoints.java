package io.opizontas.gateway.routing;

import io.opizontas.gateway.api.Endpoint;
import java.util.ArrayList;
import java.util.List;

/**
 * The endpoints one call has tried and why each failed: kept so a retry goes elsewhere, and so the
 * call's final status names what was tried. Made only when a call retries; confined to that call.
 */
public final class TriedEndpoints {

  private record Try(Endpoint endpoint, String failure) {}

  private final List<Try> tries = new ArrayList<>(3);

  /** Records that {@code endpoint} was tried and failed with {@code failure}. */
  public void add(Endpoint endpoint, String failure) {
    tries.add(new Try(endpoint, failure));
  }

  /** Whether {@code endpoint} was tried already. */
  public boolean contains(Endpoint endpoint) {
    for (Try tried : tries) {
      if (tried.endpoint().equals(endpoint)) {
        return true;
      }
    }
    return false;
  }

  /** How many tries failed. */
  public int size() {
    return tries.size();
  }

  /** "2 attempts: 10.0.0.1:50051 (Connection refused), 10.0.0.2:50051 (stream refused (REFUSED_STREAM))". */
  public String describe() {
    StringBuilder text = new StringBuilder().append(tries.size()).append(tries.size() == 1 ? " attempt: " : " attempts: ");
    for (int i = 0; i < tries.size(); i++) {
      Try tried = tries.get(i);
      text.append(i == 0 ? "" : ", ").append(tried.endpoint().address()).append(" (").append(tried.failure()).append(')');
    }
    return text.toString();
  }
}

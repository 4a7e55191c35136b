package io.opizontas.gateway.plugins.balancers;

import io.opizontas.gateway.api.Balancer;
import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.Endpoint;
import java.util.List;

/**
 * nginx's smooth weighted round robin: every pick adds each endpoint's weight to its running score,
 * takes the highest score (the first one on a tie) and takes the total weight off the winner. Over
 * one cycle of {@code total weight} picks each endpoint gets exactly its weight, interleaved rather
 * than in bursts.
 */
final class SmoothWeightedBalancer implements Balancer {

  private final ListInstanceCache<Scores> scores = new ListInstanceCache<>(Scores::new);

  @Override
  public Endpoint pick(List<Endpoint> endpoints, Call call) {
    return endpoints.get(scores.of(endpoints).next());
  }

  /** The running scores of one endpoint list. */
  private static final class Scores {
    private final int[] weights;
    private final long[] current;
    private final long total;

    Scores(List<Endpoint> endpoints) {
      weights = new int[endpoints.size()];
      long sum = 0;
      for (int i = 0; i < weights.length; i++) {
        weights[i] = endpoints.get(i).weight();
        sum += weights[i];
      }
      current = new long[weights.length];
      total = sum;
    }

    /**
     * One smooth step. Locked because a step reads and writes every score: two steps interleaving
     * would both see the same maximum and burst to it, which is the one thing this strategy exists
     * to avoid. The lock covers a loop over the endpoints and nothing else (no I/O, no allocation),
     * so it is held for well under a microsecond even with a hundred endpoints.
     */
    synchronized int next() {
      int best = 0;
      for (int i = 0; i < weights.length; i++) {
        current[i] += weights[i];
        if (current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      return best;
    }
  }
}

#!/usr/bin/env bash
# Cost of one balancer pick per shipped strategy at 10 / 100 / 1,000 endpoints, with the bytes each
# pick allocates (JMH, -prof gc): docs/benchmarks.md, "Balancing (issue 8)".
#
#   benchmarks/pick-cost.sh                                   every strategy and size, about 3 minutes
#   benchmarks/pick-cost.sh -p strategy=ring-hash -p endpoints=100 -wi 1 -i 3    any JMH option
#
# Builds the balancers plugin jar and this module (tests skipped; MAVEN_ARGS=-o for offline,
# BENCH_SKIP_BUILD=1 to reuse the last build), then runs JMH in a JVM of its own.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"

if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  ./mvnw -q -pl benchmarks -am -DskipTests package   # Maven reads MAVEN_ARGS itself
fi

exec java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
  org.openjdk.jmh.Main 'io.opizontas.bench.balancing.PickCost' -prof gc "$@"

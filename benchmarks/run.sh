#!/usr/bin/env bash
# Data-path benchmark: direct calls against calls through the gateway, in one run (docs/benchmarks.md).
#
#   benchmarks/run.sh [--name=value ...]     e.g. --scenarios=unary,upload --slow-bytes=256MiB
#   benchmarks/run.sh --help                 lists the parameters and their defaults
#
# Builds the project (tests skipped) so that the distribution exists, then runs the benchmark in a
# JVM of its own; the gateway runs as the distribution's bin/opizontas in another. Loopback only.
# Maven flags can be passed through MAVEN_ARGS (e.g. MAVEN_ARGS=-o for offline);
# BENCH_JAVA_OPTS sets the benchmark JVM's options (client and backend), BENCH_SKIP_BUILD=1 reuses
# the last build. Results: benchmarks/target/bench/results.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"

if [ "${1:-}" = "--help" ]; then
  BENCH_SKIP_BUILD=1
fi
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  ./mvnw -q -DskipTests package
fi

distribution=$(find distribution/target -maxdepth 1 -type d -name 'opizontas-*' 2>/dev/null | head -n 1)
if [ -z "$distribution" ] && [ "${1:-}" != "--help" ]; then
  echo "run.sh: no distribution under distribution/target; build it first" >&2
  exit 1
fi

# The scaling scenario holds up to 10,000 connections: each costs this JVM and the gateway (which
# inherits the limit) one file descriptor. Raise the soft limit as far as the hard one allows; the
# scenario reports a step it cannot run instead of failing.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# shellcheck disable=SC2086
exec java ${BENCH_JAVA_OPTS:--Xms1g -Xmx1g} \
  -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
  io.opizontas.bench.GatewayBenchmark \
  --distribution="$distribution" --output=benchmarks/target/bench "$@"

#!/usr/bin/env bash
# Runs firewatch's benchmarks. Each prints medians; record the figures and this
# command in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
cmake --build "$BUILD" --target sim_bench firewatch >/dev/null

echo "== simulator: 1 hour, 20 instances, 1 s steps (one core)"
taskset -c 0 "$BUILD/bench/sim_bench" --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true --benchmark_min_time=0.1

echo
echo "== sim run end to end (writes metrics.om, logs.ndjson, changes.ndjson), 5 runs"
out=$(mktemp -d)
for i in 1 2 3 4 5; do
  /usr/bin/time -f "%e s wall, %M KiB max RSS" "$BUILD/firewatch" sim run \
    --scenario db-pool-exhaustion --duration 1h --out "$out/run" -q 2>&1 | tail -1
done
ls -l "$out/run"
rm -rf "$out"

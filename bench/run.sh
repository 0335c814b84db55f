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

echo
echo "== root-cause analysis: built-in scenarios, then 450 generated failures of seeds never"
echo "   used for tuning (BENCHMARKS.md says which ranges are which); about 4 minutes"
"$BUILD/firewatch" rca bench --seeds 10 --delay 0s --delay 2m
"$BUILD/firewatch" rca bench --random 450 --seed 700000 --delay 0s --delay 2m

# Logs (issue #5): minutes each, so only when asked: LOGS=1 bench/run.sh
if [ "${LOGS:-0}" = 1 ]; then
  echo
  echo "== logs: Logs Insights over 1 GB of NDJSON, firewatch vs rg, jq, sqlite3"
  BUILD="$BUILD" bench/logs_vs_peers.sh
  echo
  echo "== log store: import throughput, block skipping on a 15-minute window of 24 h"
  BUILD="$BUILD" bench/logs_store.sh
fi

echo
echo "== alerting: detection latency and intake, side by side with Prometheus and Alertmanager"
if command -v prometheus >/dev/null && command -v prometheus-alertmanager >/dev/null; then
  cmake --build "$BUILD" --target detection_probe intake_load >/dev/null
  bash bench/detection_vs_prometheus.sh "$BUILD" 20
  echo
  bash bench/intake_bench.sh "$BUILD"
else
  echo "skipped: prometheus and prometheus-alertmanager are not installed (run scripts/setup)"
fi

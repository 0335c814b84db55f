#!/usr/bin/env bash
# Remote-write ingest, firewatch vs Debian's Prometheus and VictoriaMetrics,
# same workload, same run. bench/remote_write_load (built with `make`) pre-encodes 10,000 series
# x 120 points (1.2 M samples, 2,000 series per request) and sends them to
#   firewatch serve            POST /api/v1/write   (fsynced before the 204)
#   prometheus --web.enable-remote-write-receiver   (WAL written, not fsynced
#                                                    per request)
#   victoria-metrics           POST /api/v1/write   (buffered in memory, written
#                                                    in the background)
# each on a fresh data directory, 3 runs each. Reported per run: the
# receiver's CPU time (utime + stime from /proc) and wall time; the summary
# gives medians and samples per CPU-second, which is samples/s/core.
# Usage: bench/ingest_vs_prometheus.sh [build-dir]   (about a minute)
set -euo pipefail
BUILD=${1:-build}
FW=$BUILD/firewatch
LOAD=$BUILD/bench/remote_write_load
SERIES=10000 POINTS=120 BATCH=2000
. "$(dirname "$0")/lib.sh"  # $work, $pids, cleanup, free_port, wait_ready

cpu_ms() { awk '{print ($14 + $15) * 10}' "/proc/$1/stat"; }  # 100 Hz ticks

# run NAME: starts the receiver, sends the load, prints "name cpu_ms wall_ms".
run() {
  local name=$1 port pid dir out before after
  port=$(free_port)
  dir="$work/$name-$RANDOM"
  mkdir -p "$dir"
  if [ "$name" = firewatch ]; then
    FIREWATCH_TOKEN=bench "$FW" serve --data "$dir" --port "$port" >"$dir.log" 2>&1 &
    pid=$!
    wait_ready "http://127.0.0.1:$port/healthz"
  elif [ "$name" = victoria ]; then
    victoria-metrics -storageDataPath="$dir" -httpListenAddr="127.0.0.1:$port" >"$dir.log" 2>&1 &
    pid=$!
    wait_ready "http://127.0.0.1:$port/health"
  else
    echo "global: {}" >"$dir.yml"
    prometheus --config.file="$dir.yml" --storage.tsdb.path="$dir" \
      --web.listen-address="127.0.0.1:$port" --web.enable-remote-write-receiver \
      >"$dir.log" 2>&1 &
    pid=$!
    wait_ready "http://127.0.0.1:$port/-/ready"
  fi
  pids+=("$pid")
  sleep 1
  before=$(cpu_ms "$pid")
  out=$("$LOAD" --url "http://127.0.0.1:$port/api/v1/write" --series $SERIES --points $POINTS \
    --batch $BATCH --token bench)
  after=$(cpu_ms "$pid")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  echo "$name $((after - before)) $(echo "$out" | sed -E 's/.* in ([0-9]+) ms.*/\1/') # $out"
}

results="$work/results"
for _ in 1 2 3; do
  run firewatch | tee -a "$results"
  run prometheus | tee -a "$results"
  run victoria | tee -a "$results"
done
samples=$((SERIES * POINTS))
echo
for name in firewatch prometheus victoria; do
  cpu=$(grep "^$name " "$results" | awk '{print $2}' | sort -n | sed -n 2p)
  wall=$(grep "^$name " "$results" | awk '{print $3}' | sort -n | sed -n 2p)
  echo "$name: median CPU $cpu ms, wall $wall ms for $samples samples:" \
    "$(awk -v s=$samples -v c="$cpu" 'BEGIN{printf "%.2f", s / c / 1000}') M samples/CPU-s," \
    "$(awk -v s=$samples -v w="$wall" 'BEGIN{printf "%.2f", s / w / 1000}') M samples/s wall"
done

#!/usr/bin/env bash
# Intake throughput and latency: external alert events into a running
# `firewatch serve` (Alertmanager webhooks and PagerDuty Events v2 triggers,
# deduplicated into incidents), and the same alerts into Debian's
# prometheus-alertmanager's own POST /api/v2/alerts, in the same run.
# bench/intake_load sends EVENTS events per run over CONNS connections about
# 300 distinct alerts (2% never seen before), RUNS runs per target after a
# warm-up, and prints events/s and latency p50/p99 of each run; the script
# then prints the medians, each server's CPU per 1,000 events, and how many
# incidents firewatch opened from the distinct alerts.
#
# Usage: bench/intake_bench.sh [path/to/build] [EVENTS] [CONNS] [RUNS]
# Needs: prometheus-alertmanager (scripts/setup) and
#   cmake --build BUILD --target firewatch intake_load
# Everything listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail
BUILD=${1:-build}
EVENTS=${2:-40000}
CONNS=${3:-8}
RUNS=${4:-3}
FW="$BUILD/firewatch"
LOAD="$BUILD/bench/intake_load"
for bin in "$FW" "$LOAD"; do
  [ -x "$bin" ] || { echo "missing $bin: cmake --build $BUILD --target firewatch intake_load" >&2; exit 2; }
done
have_am=1
command -v prometheus-alertmanager >/dev/null || { have_am=0; echo "no prometheus-alertmanager (run scripts/setup): firewatch only" >&2; }

. "$(dirname "$0")/lib.sh"  # $work, $pids, cleanup, free_port, wait_ready

ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

"$LOAD" sink --ports-file "$work/ports" --seconds 900 >/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/ports" ] && break; sleep 0.05; done
sink=$(sed -n 's/^sink=//p' "$work/ports")

# Alerts page at once, and group per alertname and service as incidents do.
route="{receiver: sink, group_by: [alertname, service], group_wait: 0s, group_interval: 1s, repeat_interval: 4h}"
receivers="receivers: [{name: sink, webhook_configs: [{url: 'http://127.0.0.1:$sink/hook', send_resolved: false}]}]"
printf 'route: %s\n%s\n' "$route" "$receivers" >"$work/firewatch.yml"
cp "$work/firewatch.yml" "$work/alertmanager.yml"

fw_port=$(free_port)
FIREWATCH_TOKEN=bench "$FW" serve --config "$work/firewatch.yml" --data "$work/fw" \
  --port "$fw_port" >"$work/fw.out" 2>"$work/fw.err" &
fw_pid=$!
pids+=($fw_pid)
wait_ready "http://127.0.0.1:$fw_port/healthz"
if [ "$have_am" = 1 ]; then
  am_port=$(free_port)
  prometheus-alertmanager --config.file="$work/alertmanager.yml" --storage.path="$work/am" \
    --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= >"$work/am.log" 2>&1 &
  am_pid=$!
  pids+=($am_pid)
  wait_ready "http://127.0.0.1:$am_port/-/ready"
fi

echo "intake: $EVENTS events per run, $CONNS connections, 300 distinct alerts + 2% new, $RUNS runs"
hz=$(getconf CLK_TCK)
# run TARGET URL PID: warm-up, then RUNS runs; prints each run and the medians.
run() {
  local target=$1 url=$2 pid=$3 t0 t1
  "$LOAD" --url "$url" --target "$target" --token bench --events 2000 --connections "$CONNS" >/dev/null
  t0=$(ticks "$pid")
  for _ in $(seq "$RUNS"); do
    "$LOAD" --url "$url" --target "$target" --token bench --events "$EVENTS" --connections "$CONNS" \
      | tee -a "$work/$target.txt"
  done
  t1=$(ticks "$pid")
  awk -v cpu=$(((t1 - t0))) -v hz="$hz" -v n=$((EVENTS * RUNS)) -v t="$target" '
    { sub(/.*= /, ""); rate[NR] = $1; p50[NR] = $5; p99[NR] = $8 }
    function med(a, n,   i, j, x) {
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
      return a[int((n + 1) / 2)]
    }
    END { printf "%s median: %.0f events/s, p50 %.2f ms, p99 %.2f ms; server CPU %.3f s per 1,000 events\n",
                 t, med(rate, NR), med(p50, NR), med(p99, NR), cpu / hz / n * 1000 }' "$work/$target.txt"
}
run firewatch "http://127.0.0.1:$fw_port" "$fw_pid"
[ "$have_am" = 1 ] && run alertmanager "http://127.0.0.1:$am_port" "$am_pid"
run firewatch-v2 "http://127.0.0.1:$fw_port" "$fw_pid"

# Dedup: incidents are opened from notifications; wait until their number
# stops changing, then compare with the distinct group keys sent.
prev=-1
for _ in $(seq 60); do
  n=$(curl -fsS "http://127.0.0.1:$fw_port/api/v1/incidents" \
      | jq '(.incidents // .data // []) | length')
  [ "$n" = "$prev" ] && break
  prev=$n
  sleep 1
done
alerts=$(curl -fsS "http://127.0.0.1:$fw_port/api/v2/alerts" | jq 'length')
echo "firewatch: $alerts distinct alerts held, $n incidents (group key alertname+service)"

#!/usr/bin/env bash
# remote_write out: firewatch forwards every sample its own store accepts to
# long-term storage, here Debian's VictoriaMetrics. firewatch scrapes itself
# every second; VictoriaMetrics starts only after firewatch has been
# sending for a while (the sends fail and are retried, nothing is lost),
# and the sample counts must then agree. Everything on 127.0.0.1, stopped
# on exit, every wait bounded.
set -euo pipefail
FIREWATCH=${1:?usage: remote_write_test.sh path/to/firewatch source-dir}
SRC=${2:?usage: remote_write_test.sh path/to/firewatch source-dir}
for tool in victoria-metrics curl jq; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (scripts/setup installs it)"; exit 1; }
done
. "$SRC/bench/lib.sh"
fail() { echo "FAIL: $*"; for f in "$work"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -15 "$f"; }; done; exit 1; }

vm_port=$(free_port)
fw_port=$(free_port)
cat >"$work/firewatch.yml" <<YML
server: {listen: "127.0.0.1:$fw_port"}
storage: {dir: $work/data}
scrape_configs:
  - job_name: self
    scrape_interval: 1s
    static_configs: [{targets: ["127.0.0.1:$fw_port"]}]
remote_write:
  - url: http://127.0.0.1:$vm_port/api/v1/write
    remote_timeout: 2s
    queue_config: {max_samples_per_send: 500, batch_send_deadline: 1s}
YML
"$FIREWATCH" check config "$work/firewatch.yml" >/dev/null || fail "config does not check"
"$FIREWATCH" serve --config "$work/firewatch.yml" >"$work/fw.out" 2>"$work/fw.log" &
pids+=($!)
wait_ready "http://127.0.0.1:$fw_port/readyz"
sleep 4  # sends fail meanwhile: nobody listens yet
grep -q '"remote write failed"' "$work/fw.log" || fail "no failed send logged while the receiver was down"
victoria-metrics -storageDataPath="$work/vm" -httpListenAddr="127.0.0.1:$vm_port" \
  -search.latencyOffset=0s >"$work/vm.log" 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$vm_port/health"

count() {  # samples of up{job="self"} in the last 10 minutes, at one fixed time
  curl -fsS "$1/api/v1/query" --data-urlencode 'query=count_over_time(up{job="self"}[10m])' \
    --data-urlencode "time=$2" | jq -r '.data.result[0].value[1] // "0"'
}
sleep 3
at=$(date +%s)
ours=$(count "http://127.0.0.1:$fw_port" "$at")
[ "$ours" -ge 5 ] || fail "firewatch holds only $ours samples of its own up"
theirs=0
for _ in $(seq 60); do
  curl -fsS "http://127.0.0.1:$vm_port/internal/force_flush" >/dev/null 2>&1 || true
  theirs=$(count "http://127.0.0.1:$vm_port" "$at")
  [ "$theirs" = "$ours" ] && break
  sleep 0.5
done
[ "$theirs" = "$ours" ] || fail "VictoriaMetrics has $theirs samples, firewatch $ours"
echo "ok: all $ours samples reached VictoriaMetrics, including those sent while it was down"
echo "1 passed, 0 failed"

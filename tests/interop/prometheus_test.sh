#!/usr/bin/env bash
# Interoperability with a real Prometheus (Debian's prometheus package):
#  1. promtool imports `sim run`'s metrics.om (OpenMetrics) with every sample;
#  2. promtool lints `sim serve`'s exposition: only node_exporter's own
#     camelCase names may be flagged, as they are on a real node_exporter;
#  3. a real Prometheus discovers every target through /sim/targets (HTTP SD),
#     scrapes them, and answers PromQL about the simulated fleet.
# Everything listens on 127.0.0.1 and is stopped on exit; waits are bounded.
set -euo pipefail
FIREWATCH=${1:?usage: prometheus_test.sh path/to/firewatch}
for tool in prometheus promtool curl jq; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (scripts/setup installs it)"; exit 1; }
done

. "$(dirname "$0")/../../bench/lib.sh"  # $work, $pids, cleanup, free_port, wait_ready
fail() { echo "FAIL: $*"; exit 1; }

# 1. OpenMetrics file import.
"$FIREWATCH" sim run --scenario steady-state --duration 5m --out "$work/run" -q >"$work/run.txt"
expected=$(sed -n 's/.*(\([0-9]*\) series, \([0-9]*\) samples).*/\2/p' "$work/run.txt")
promtool tsdb create-blocks-from openmetrics "$work/run/metrics.om" "$work/blocks" >"$work/import.txt" 2>&1 \
  || { cat "$work/import.txt"; fail "promtool rejected metrics.om"; }
imported=$(awk 'NR==2 {print $5}' "$work/import.txt")
[ "$imported" = "$expected" ] || fail "promtool imported $imported samples, firewatch wrote $expected"
echo "ok: promtool imported all $imported samples of metrics.om"

# 2. Exposition lint.
FIREWATCH_TOKEN=interop "$FIREWATCH" sim serve --scenario db-pool-exhaustion --speed 1 --port 0 \
  >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$work/serve.out" && break; sleep 0.1; done
sim=$(sed -n 's|listening on http://||p' "$work/serve.out")
[ -n "$sim" ] || { cat "$work/serve.err"; fail "sim serve did not start"; }
curl -fsS "http://$sim/sim/metrics" >"$work/all.prom"
lint=$(promtool check metrics <"$work/all.prom" 2>&1 | grep -v "node_memory_Mem.*camelCase" || true)
[ -z "$lint" ] || fail "promtool check metrics: $lint"
echo "ok: promtool check metrics finds nothing beyond node_exporter's own names"

# 3. A real Prometheus scraping the live simulator.
# Prometheus on a free port below the ephemeral range; retried if the port is
# taken between the check and the bind.
start_prometheus() {
  for _ in $(seq 5); do
    port=$((20000 + RANDOM % 12000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
    prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb-$port" \
      --web.listen-address="127.0.0.1:$port" >"$work/prometheus.log" 2>&1 &
    prom_pid=$!
    for _ in $(seq 50); do
      curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && { pids+=("$prom_pid"); return 0; }
      kill -0 "$prom_pid" 2>/dev/null || break
      sleep 0.2
    done
    kill "$prom_pid" 2>/dev/null || true
  done
  return 1
}
# firewatch's own server, which Prometheus remote-writes into.
FIREWATCH_TOKEN=interop "$FIREWATCH" serve --data "$work/fwdata" --port 0 \
  >"$work/fw.out" 2>"$work/fw.err" &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$work/fw.out" && break; sleep 0.1; done
fw=$(sed -n 's|listening on http://||p' "$work/fw.out")
[ -n "$fw" ] || { cat "$work/fw.err"; fail "firewatch serve did not start"; }
cat >"$work/prometheus.yml" <<YML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: firewatch-sim
    http_sd_configs: [{url: "http://$sim/sim/targets", refresh_interval: 5s}]
remote_write:
  - url: "http://$fw/api/v1/write"
    authorization: {credentials: interop}
    queue_config: {batch_send_deadline: 1s}
YML
start_prometheus || { tail -20 "$work/prometheus.log"; fail "Prometheus did not start"; }
query() {
  curl -fsS "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=$1" 2>/dev/null \
    | jq -r '.data.result[0].value[1] // empty'
}
up=""
for _ in $(seq 60); do  # up to ~30 s
  up=$(query 'count(up == 1)' || true)
  [ "$up" = "8" ] && break
  sleep 0.5
done
[ "$up" = "8" ] || { tail -20 "$work/prometheus.log"; fail "expected 8 targets up, got '$up'"; }
pool=$(query 'sum(hikaricp_connections_max)')
[ "$pool" = "240" ] || fail "sum(hikaricp_connections_max) = '$pool', want 240 (6 x 40)"
maxconn=$(query 'mysql_global_variables_max_connections')
[ "$maxconn" = "250" ] || fail "max_connections = '$maxconn', want 250"
echo "ok: Prometheus discovered and scraped 8 targets; PromQL sees the fleet"

# Prometheus forwards what it scraped; promtool queries firewatch as it would Prometheus.
fw_up=""
for _ in $(seq 60); do
  fw_up=$(promtool query instant "http://$fw" 'count(up == 1)' 2>/dev/null | sed -n 's/.*=> \([0-9]*\) @.*/\1/p' || true)
  [ "$fw_up" = "8" ] && break
  sleep 0.5
done
[ "$fw_up" = "8" ] || { tail -5 "$work/prometheus.log"; tail -5 "$work/fw.err"; fail "firewatch via promtool: count(up == 1) = '$fw_up', want 8"; }
fw_pool=$(promtool query instant "http://$fw" 'sum(hikaricp_connections_max)' | sed -n 's/.*=> \([0-9.]*\) @.*/\1/p')
[ "$fw_pool" = "240" ] || fail "firewatch: sum(hikaricp_connections_max) = '$fw_pool', want 240"
echo "ok: Prometheus remote-writes into firewatch; promtool queries firewatch like a Prometheus"

# A hung instance stops answering its scrapes: Prometheus records up 0 for it.
curl -fsS -H 'Authorization: Bearer interop' -d '{"type":"instance_failure","magnitude":1,"instance":0}' \
  "http://$sim/sim/faults" >/dev/null || fail "could not inject the fault"
down=""
for _ in $(seq 40); do
  down=$(query 'count(up == 0)' || true)
  [ "$down" = "1" ] && break
  sleep 0.5
done
[ "$down" = "1" ] || fail "expected one target down after the hang, got '$down'"
echo "ok: the hung instance shows up == 0 in Prometheus"
echo "1 passed, 0 failed"

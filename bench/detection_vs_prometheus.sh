#!/usr/bin/env bash
# Detection latency, firewatch vs Debian's prometheus + prometheus-alertmanager
# in the same run: both scrape one target (bench/detection_probe) exposing
# bench_errors{round="k"}, evaluate the same rule (bench_errors > 0.5, for: 0s)
# and notify the probe's webhook receiver. The probe flips the value over the
# threshold at a random phase and times flip -> webhook for each system,
# ROUNDS times, then prints median and p99 per system and the ratio.
#
# Each system is tuned as fast as it allows: scrape_interval, scrape_timeout
# and evaluation_interval 1s (Prometheus's smallest useful values; the rule
# group's interval is 1s too); Alertmanager with group_wait 0s,
# group_interval 1s and clustering off (otherwise it waits for the gossip to
# settle); firewatch with the same keys plus its evaluation as soon as a
# scrape appends (docs/alerting.md).
#
# Usage: bench/detection_vs_prometheus.sh [path/to/build] [ROUNDS]
#   FW_RULE_INTERVAL=1m gives firewatch's rule group another interval (its
#   early evaluation on append does not depend on it); default 1s, as Prometheus.
# Needs: prometheus, prometheus-alertmanager (scripts/setup installs both) and
# the probe (cmake --build BUILD --target firewatch detection_probe).
# Everything listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail
BUILD=${1:-build}
ROUNDS=${2:-20}
FW="$BUILD/firewatch"
PROBE="$BUILD/bench/detection_probe"
for bin in "$FW" "$PROBE"; do
  [ -x "$bin" ] || { echo "missing $bin: cmake --build $BUILD --target firewatch detection_probe" >&2; exit 2; }
done
for bin in prometheus prometheus-alertmanager; do
  command -v "$bin" >/dev/null || { echo "missing $bin: run scripts/setup" >&2; exit 2; }
done

. "$(dirname "$0")/lib.sh"  # $work, $pids, cleanup, free_port, wait_ready


"$PROBE" --rounds "$ROUNDS" --ports-file "$work/ports" &
probe=$!
pids+=($probe)
for _ in $(seq 100); do [ -s "$work/ports" ] && grep -q hook "$work/ports" && break; sleep 0.05; done
target=$(sed -n 's/^target=//p' "$work/ports")
hook=$(sed -n 's/^hook=//p' "$work/ports")
am_port=$(free_port)
prom_port=$(free_port)
fw_port=$(free_port)

cat >"$work/rules.yml" <<'YML'
groups:
  - name: bench
    interval: 1s
    rules:
      - alert: BenchErrors
        expr: bench_errors > 0.5
        for: 0s
        labels: {severity: critical}
        annotations: {summary: "bench errors in round {{ $labels.round }}"}
YML
scrape="global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
rule_files: [rules.yml]
scrape_configs:
  - job_name: bench
    static_configs: [{targets: ['127.0.0.1:$target']}]"
route="{receiver: probe, group_by: [alertname, round], group_wait: 0s, group_interval: 1s, repeat_interval: 1h}"

cat >"$work/prometheus.yml" <<YML
$scrape
alerting:
  alertmanagers: [{static_configs: [{targets: ['127.0.0.1:$am_port']}]}]
YML
cat >"$work/alertmanager.yml" <<YML
route: $route
receivers:
  - name: probe
    webhook_configs: [{url: 'http://127.0.0.1:$hook/hook/prometheus', send_resolved: false}]
YML
# firewatch reads its own copy of the rules, so that FW_RULE_INTERVAL can
# change its group interval alone (its early evaluation does not need it).
sed "s/interval: 1s/interval: ${FW_RULE_INTERVAL:-1s}/" "$work/rules.yml" >"$work/fw-rules.yml"
cat >"$work/firewatch.yml" <<YML
${scrape/rules.yml/fw-rules.yml}
route: $route
receivers:
  - name: probe
    webhook_configs: [{url: 'http://127.0.0.1:$hook/hook/firewatch', send_resolved: false}]
YML

prometheus-alertmanager --config.file="$work/alertmanager.yml" --storage.path="$work/am" \
  --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= >"$work/am.log" 2>&1 &
pids+=($!)
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prom.log" 2>&1 &
pids+=($!)
FIREWATCH_TOKEN=bench "$FW" serve --config "$work/firewatch.yml" --data "$work/fw" \
  --port "$fw_port" >"$work/fw.out" 2>"$work/fw.err" &
pids+=($!)

echo "detection latency: $ROUNDS rounds, flip at a random phase of the 1 s scrape cycle"
echo "$(prometheus --version 2>&1 | head -1); $(prometheus-alertmanager --version 2>&1 | head -1); firewatch $("$FW" version 2>/dev/null | head -1)"
status=0
wait "$probe" || status=$?
if [ "$status" -ne 0 ]; then
  echo "probe failed ($status); logs:" >&2
  tail -5 "$work/am.log" "$work/prom.log" "$work/fw.err" >&2
fi
exit "$status"

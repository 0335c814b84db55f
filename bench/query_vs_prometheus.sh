#!/usr/bin/env bash
# Query latency, firewatch vs Debian's Prometheus and VictoriaMetrics, on the
# same data in the same run: 10,000 series x 6 hours at a 30 s interval (7.2 M
# samples).
#   5,000 counters   http_requests_total{instance, route}
#   5,000 buckets    http_request_duration_seconds_bucket{instance, le}
# All three load the same OpenMetrics file (promtool builds Prometheus's
# blocks; firewatch imports it into its store; VictoriaMetrics takes it on
# /api/v1/import/prometheus, timestamps in ms, then merges it), then answer
# the same three queries over HTTP; each is timed 7 times and the median
# reported. VictoriaMetrics runs with its result cache off
# (-search.disableCache), or the 6 repeats would be answered from it.
# Usage: bench/query_vs_prometheus.sh [path/to/firewatch]   (takes a few minutes)
set -euo pipefail
FW=${1:-build/firewatch}
. "$(dirname "$0")/lib.sh"  # $work, $pids, cleanup, free_port, wait_ready

now=$(date +%s)
start=$(( (now - 7 * 3600) / 60 * 60 ))
end=$(( start + 6 * 3600 ))
python3 - "$start" "$work/data.om" <<'PY'
import sys, random
start, path = int(sys.argv[1]), sys.argv[2]
random.seed(1)
steps = 6 * 3600 // 30 + 1
les = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "+Inf"]
with open(path, "w") as f:
    f.write("# TYPE http_requests counter\n")
    for i in range(1000):
        for r in range(5):
            rate = random.uniform(0.5, 20)
            v = 0.0
            lab = 'http_requests_total{instance="i-%d",route="/r%d"} ' % (i, r)
            for s in range(steps):
                v += rate * 30 * random.uniform(0.8, 1.2)
                f.write("%s%d %d\n" % (lab, int(v), start + s * 30))
    f.write("# TYPE http_request_duration_seconds histogram\n")
    for i in range(500):
        lab = 'http_request_duration_seconds_bucket{instance="i-%d",le="%%s"} ' % i
        counts = [0] * 10
        lines = [[] for _ in les]
        for s in range(steps):
            n = random.randint(100, 300)
            for b in range(10):
                counts[b] += int(n * min(1.0, (b + 1) / 8))
            for b in range(10):
                lines[b].append("%s%d %d\n" % (lab % les[b], counts[b], start + s * 30))
        for b in range(10):
            f.writelines(lines[b])
        f.write('http_request_duration_seconds_count{instance="i-%d"} %d %d\n' % (i, counts[9], start + (steps - 1) * 30))
        f.write('http_request_duration_seconds_sum{instance="i-%d"} 1 %d\n' % (i, start + (steps - 1) * 30))
    f.write("# EOF\n")
PY
echo "data: $(du -h "$work/data.om" | cut -f1) OpenMetrics, $(grep -vc '^#' "$work/data.om") samples"


promtool tsdb create-blocks-from openmetrics "$work/data.om" "$work/prom" >/dev/null
echo "global: {}" >"$work/prom.yml"
pp=$(free_port)
prometheus --config.file="$work/prom.yml" --storage.tsdb.path="$work/prom" \
  --storage.tsdb.retention.time=10y --web.listen-address="127.0.0.1:$pp" >"$work/prom.log" 2>&1 &
pids+=($!)

vp=$(free_port)
victoria-metrics -storageDataPath="$work/vm" -httpListenAddr="127.0.0.1:$vp" -search.disableCache \
  -retentionPeriod=100y -search.latencyOffset=0s >"$work/vm.log" 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$vp/health"
awk '!/^#/ {$NF = $NF * 1000; print}' "$work/data.om" >"$work/data.prom"
/usr/bin/time -f "victoria-metrics import: %e s" \
  curl -fsS --data-binary "@$work/data.prom" "http://127.0.0.1:$vp/api/v1/import/prometheus"
curl -fsS "http://127.0.0.1:$vp/internal/force_flush" >/dev/null
curl -fsS "http://127.0.0.1:$vp/internal/force_merge" >/dev/null
/usr/bin/time -f "firewatch import: %e s" "$FW" metrics import "$work/data.om" --data "$work/fw" >/dev/null
fp=$(free_port)
FIREWATCH_TOKEN=bench "$FW" serve --data "$work/fw" --port "$fp" >"$work/fw.out" 2>"$work/fw.err" &
pids+=($!)
for url in "http://127.0.0.1:$pp/-/ready" "http://127.0.0.1:$fp/healthz"; do
  for _ in $(seq 600); do curl -fsS "$url" >/dev/null 2>&1 && break; sleep 0.2; done
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() {  # name, path+query string
  local name=$1 q=$2 t
  declare -A took
  for server in prometheus victoria firewatch; do
    case $server in prometheus) port=$pp ;; victoria) port=$vp ;; firewatch) port=$fp ;; esac
    curl -fsS -o /dev/null "http://127.0.0.1:$port$q"  # warm up
    took[$server]=$(for _ in 1 2 3 4 5 6 7; do
          curl -fsS -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port$q"
        done | median)
  done
  awk -v n="$name" -v p="${took[prometheus]}" -v v="${took[victoria]}" -v f="${took[firewatch]}" \
    'BEGIN {printf "%-44s prometheus %7.3f s  victoria-metrics %7.3f s  firewatch %7.3f s  ratios %5.2fx %5.2fx\n", n, p, v, f, p / f, v / f}'
}
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
at=$((end - 60))
run "rate, instant, 5000 series" \
  "/api/v1/query?time=$at&query=$(enc 'rate(http_requests_total[5m])')"
run "sum by (route) rate, 6 h range, 60 s step" \
  "/api/v1/query_range?start=$start&end=$end&step=60&query=$(enc 'sum by (route) (rate(http_requests_total[5m]))')"
run "histogram_quantile p99, 6 h range, 60 s step" \
  "/api/v1/query_range?start=$start&end=$end&step=60&query=$(enc 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))')"

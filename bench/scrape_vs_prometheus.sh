#!/usr/bin/env bash
# Scrape cost, firewatch vs Debian's Prometheus, in the same run: both scrape
# the same N targets (one static exposition of K series each, served by a
# small Python server on N ports) every second for D seconds. Reports CPU
# seconds (utime + stime from /proc/PID/stat) per million samples appended,
# counting the samples each server says it appended (Prometheus:
# prometheus_tsdb_head_samples_appended_total; firewatch:
# firewatch_scrape_samples_appended_total; both include up and the other
# synthetic series).
# Usage: bench/scrape_vs_prometheus.sh [path/to/firewatch] [N targets] [K series] [D seconds]
set -euo pipefail
FW=${1:-build/firewatch}
N=${2:-10}
K=${3:-2000}
D=${4:-60}
. "$(dirname "$0")/lib.sh"  # $work, $pids, cleanup, free_port, wait_ready

# The exposition: node_exporter-like families, counters, gauges and a histogram.
python3 - "$K" "$work/metrics.prom" <<'PY'
import sys, random
k, path = int(sys.argv[1]), sys.argv[2]
random.seed(1)
les = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"]
out, n = [], 0
out.append("# HELP http_request_duration_seconds Request latency.\n# TYPE http_request_duration_seconds histogram\n")
for r in range(k // 40):
    c = 0
    for le in les:
        c += random.randint(0, 1000)
        out.append('http_request_duration_seconds_bucket{route="/api/r%d",method="GET",le="%s"} %d\n' % (r, le, c)); n += 1
    if n >= k // 4: break
out.append("# TYPE node_cpu_seconds_total counter\n")
i = 0
while n < k:
    out.append('node_cpu_seconds_total{cpu="%d",mode="m%d"} %.2f\n' % (i // 8, i % 8, random.uniform(0, 1e6))); n += 1
    i += 1
    if n < k:
        out.append('node_memory_bytes{kind="k%d"} %d\n' % (i, random.randint(0, 1 << 34))); n += 1
open(path, "w").writelines(out)
PY
echo "exposition: $(grep -vc '^#' "$work/metrics.prom") series, $(du -h "$work/metrics.prom" | cut -f1)"


ports=()
for _ in $(seq "$N"); do ports+=("$(free_port)"); done
python3 - "$work/metrics.prom" "${ports[@]}" <<'PY' &
import sys, threading, http.server, socketserver
body = open(sys.argv[1], "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
servers = [S(("127.0.0.1", int(p)), H) for p in sys.argv[2:]]
for s in servers[1:]:
    threading.Thread(target=s.serve_forever, daemon=True).start()
servers[0].serve_forever()
PY
pids+=($!)

targets=$(printf '"127.0.0.1:%s",' "${ports[@]}")
targets="[${targets%,}]"
cat >"$work/scrape.yml" <<YML
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: bench
    static_configs:
      - targets: $targets
YML

pp=$(free_port)
prometheus --config.file="$work/scrape.yml" --storage.tsdb.path="$work/prom" \
  --web.listen-address="127.0.0.1:$pp" >"$work/prom.log" 2>&1 &
ppid=$!
pids+=($ppid)
fp=$(free_port)
FIREWATCH_TOKEN=bench "$FW" serve --config "$work/scrape.yml" --data "$work/fw" --port "$fp" \
  >"$work/fw.out" 2>"$work/fw.err" &
fpid=$!
pids+=($fpid)
for url in "http://127.0.0.1:$pp/-/ready" "http://127.0.0.1:$fp/healthz"; do
  for _ in $(seq 300); do curl -fsS "$url" >/dev/null 2>&1 && break; sleep 0.2; done
done
sleep 5  # both have scraped every target a few times

ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
appended() {  # pid-independent: asks the server
  if [ "$1" = prometheus ]; then
    curl -fsS "http://127.0.0.1:$pp/metrics" | awk '/^prometheus_tsdb_head_samples_appended_total/ {s += $2} END {printf "%d\n", s}'
  else
    curl -fsS "http://127.0.0.1:$fp/metrics" | awk '/^firewatch_scrape_samples_appended_total/ {printf "%d\n", $2}'
  fi
}
hz=$(getconf CLK_TCK)
pt0=$(ticks $ppid); ft0=$(ticks $fpid); ps0=$(appended prometheus); fs0=$(appended firewatch)
sleep "$D"
pt1=$(ticks $ppid); ft1=$(ticks $fpid); ps1=$(appended prometheus); fs1=$(appended firewatch)

awk -v hz="$hz" -v pt=$((pt1 - pt0)) -v ft=$((ft1 - ft0)) -v ps=$((ps1 - ps0)) -v fs=$((fs1 - fs0)) \
    -v n="$N" -v k="$K" -v d="$D" 'BEGIN {
  pc = pt / hz; fc = ft / hz
  pm = pc / (ps / 1e6); fm = fc / (fs / 1e6)
  printf "%d targets x %d series, 1 s interval, %d s\n", n, k, d
  printf "prometheus  %6.2f s CPU  %10d samples  %6.3f CPU s per M samples\n", pc, ps, pm
  printf "firewatch   %6.2f s CPU  %10d samples  %6.3f CPU s per M samples\n", fc, fs, fm
  printf "ratio (prometheus / firewatch CPU per sample): %.2fx\n", pm / fm
}'

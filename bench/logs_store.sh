#!/usr/bin/env bash
# The log store: ingest throughput (`logs import`, fsynced blocks) of a
# 24-hour simulator run, and the query speed-up block skipping gives a
# 15-minute window of it against the whole day. Medians of RUNS runs.
#
#   BUILD=build-dir RUNS=5 bench/logs_store.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-5}
WORK=${WORK:-/tmp/fw-logs-store-bench}
FW="$BUILD/firewatch"
[ -x "$FW" ] || { echo "no $FW: build the firewatch target first" >&2; exit 1; }
mkdir -p "$WORK"
FILE="$WORK/logs-24h.ndjson"
if [ ! -s "$FILE" ]; then
  "$FW" sim run --scenario steady-state --duration 24h --out "$WORK/sim" -q >/dev/null
  mv "$WORK/sim/logs.ndjson" "$FILE"
  rm -rf "$WORK/sim"
fi
BYTES=$(stat -c %s "$FILE")
cat "$FILE" >/dev/null

median() {  # prints the median of the numbers on stdin
  sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
secs() {  # runs a command, prints its wall seconds
  local s e
  s=$(date +%s.%N)
  "$@" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err" >&2; return 1; }
  e=$(date +%s.%N)
  echo "$e - $s" | bc
}

echo "file: $FILE, $BYTES bytes, $(wc -l <"$FILE") lines; load: $(cut -d' ' -f1-3 /proc/loadavg)"
t=$(for _ in $(seq "$RUNS"); do
  rm -rf "$WORK/data"
  secs "$FW" logs import "$FILE" --data "$WORK/data"
done | median)
echo "import: median $t s, $(echo "scale=1; $BYTES / $t / 1000000" | bc) MB/s of NDJSON;" \
  "store $(du -sb "$WORK/data/logs" | cut -f1) bytes"

first=$(head -1 "$FILE" | sed 's/.*"@timestamp":"\([^"]*\)".*/\1/')
start=$(date -u -d "${first:0:19}Z + 12 hours" +%Y-%m-%dT%H:%M:%SZ)
end=$(date -u -d "${first:0:19}Z + 12 hours 15 minutes" +%Y-%m-%dT%H:%M:%SZ)
Q='filter status >= 500 | stats count(*) as n, pct(latency_ms, 99) as p99 by route'
full=$(for _ in $(seq "$RUNS"); do secs "$FW" logs query --data "$WORK/data" "$Q"; done | median)
win=$(for _ in $(seq "$RUNS"); do
  secs "$FW" logs query --data "$WORK/data" --start "$start" --end "$end" --stats "$Q"
done | median)
echo "query over the whole day: median $full s"
echo "query over $start .. $end: median $win s ($(grep -o 'blocks read.*' "$WORK/err"))"
echo "speed-up from block skipping: $(echo "scale=1; $full / $win" | bc)x"
rm -rf "$WORK/data" "$WORK/out" "$WORK/err"

#!/usr/bin/env bash
# Logs Insights over 1 GB of the simulator's NDJSON: firewatch against rg
# (filter only), jq and sqlite3 with its JSON functions, in the same run, on
# the four queries of issue #5. Prints the median wall time of RUNS runs per
# tool and query (jq: JQ_RUNS, it is slow), throughput, and each tool's
# answer size so a mismatch shows.
#
#   BUILD=build-dir RUNS=5 JQ_RUNS=1 bench/logs_vs_peers.sh
#
# The file is made once in $WORK (default /tmp/fw-logs-bench): an 8-hour
# db-pool-exhaustion run cut to its first 1,000,000,000 bytes at a line end.
# It is read once before timing, so every tool reads from the page cache.
# sqlite3 needs the lines in a table first; its load is timed apart.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-5}
QUERIES=${QUERIES:-"1 2 3 4"}  # which of Q1..Q4 to run
JQ_RUNS=${JQ_RUNS:-1}
WORK=${WORK:-/tmp/fw-logs-bench}
FW="$BUILD/firewatch"
for tool in rg jq sqlite3 bc; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/setup" >&2; exit 1; }
done
[ -x "$FW" ] || { echo "no $FW: build the firewatch target first" >&2; exit 1; }

mkdir -p "$WORK"
FILE="$WORK/logs-1g.ndjson"
if [ ! -s "$FILE" ]; then
  "$FW" sim run --scenario db-pool-exhaustion --duration 8h --out "$WORK/sim" -q >/dev/null
  lines=$(head -c 1000000000 "$WORK/sim/logs.ndjson" | wc -l)
  head -n "$lines" "$WORK/sim/logs.ndjson" >"$FILE"
  rm -rf "$WORK/sim"
fi
BYTES=$(stat -c %s "$FILE")
cat "$FILE" >/dev/null

# Runs a command N times; prints "WALL CPU", the medians of its wall seconds
# and of its CPU seconds (user + sys, all threads). Keeps the start of its
# output in $WORK/answer. On a shared machine the wall time depends on the
# neighbours; CPU time much less.
median() {
  local n=$1
  shift
  for _ in $(seq "$n"); do
    /usr/bin/time -f "%e %U %S" -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" ||
      { cat "$WORK/err" >&2; return 1; }
    awk '{printf "%s %.2f\n", $1, $2 + $3}' "$WORK/time"
  done >"$WORK/times"
  head -c 300 "$WORK/out" | tr '\n' ' ' >"$WORK/answer"
  local wall cpu
  wall=$(cut -d' ' -f1 "$WORK/times" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  cpu=$(cut -d' ' -f2 "$WORK/times" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$wall $cpu"
}

report() {  # query tool "wall cpu"
  local wall=${3% *} cpu=${3#* }
  printf '%-12s %-11s %7.2f s wall %5s MB/s | %7.2f s CPU %5s MB/s per CPU-s | %s\n' "$1" "$2" \
    "$wall" "$(echo "$BYTES / $wall / 1000000" | bc)" "$cpu" \
    "$(echo "$BYTES / $cpu / 1000000" | bc)" "$(head -c 70 "$WORK/answer")"
}

RE='Connection is not available, request timed out after [0-9]+ms'
Q1="filter @message like /$RE/ | stats count(*) as n"
Q2='filter level = "ERROR" | stats count(*) as n by message'
Q3='stats pct(latency_ms, 99) as p99 by route'
Q4='filter status >= 500 | stats count(*) as n by instance, bin(1m)'

echo "file: $FILE, $BYTES bytes, $(wc -l <"$FILE") lines; $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "firewatch $("$FW" version 2>/dev/null | head -1); $(rg --version | head -1); $(jq --version); sqlite3 $(sqlite3 --version | cut -d' ' -f1)"

DB="$WORK/logs.db"
rm -f "$DB"
s=$(date +%s.%N)
sqlite3 "$DB" <<EOF
PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
CREATE TABLE logs(line TEXT);
.mode ascii
.separator "\037" "\n"
.import $FILE logs
EOF
e=$(date +%s.%N)
echo "sqlite3 load (.import of the lines into a table, not counted below): $(echo "$e - $s" | bc) s"
cat "$DB" >/dev/null



echo
echo "medians of $RUNS runs (jq: $JQ_RUNS); answer = start of the output"
want() { [[ " $QUERIES " == *" $1 "* ]]; }

if want 1; then
t=$(median "$RUNS" "$FW" logs query --max-rows 10000000 -f "$FILE" --format csv "$Q1"); report Q1-regex firewatch "$t"
t=$(median "$RUNS" rg -c "$RE" "$FILE"); report Q1-regex rg "$t"
t=$(median "$JQ_RUNS" jq -nR "reduce (inputs | select(test(\"$RE\"))) as \$l (0; . + 1)" "$FILE")
report Q1-regex jq "$t"
t=$(median "$RUNS" sqlite3 "$DB" "SELECT count(*) FROM logs WHERE line REGEXP '$RE';"); report Q1-regex sqlite3 "$t"
fi
if want 2; then

t=$(median "$RUNS" "$FW" logs query --max-rows 10000000 -f "$FILE" --format csv "$Q2"); report Q2-errors firewatch "$t"
t=$(median "$JQ_RUNS" jq -nc 'reduce (inputs | select(.level == "ERROR") | .message) as $m ({}; .[$m] += 1)' "$FILE")
report Q2-errors jq "$t"
t=$(median "$RUNS" sqlite3 "$DB" "SELECT json_extract(line, '\$.message') AS m, count(*) FROM logs WHERE json_extract(line, '\$.level') = 'ERROR' GROUP BY m ORDER BY m;")
report Q2-errors sqlite3 "$t"
fi
if want 3; then

t=$(median "$RUNS" "$FW" logs query --max-rows 10000000 -f "$FILE" --format csv "$Q3"); report Q3-p99 firewatch "$t"
t=$(median "$JQ_RUNS" jq -nc '[inputs | select(.latency_ms != null) | [.route, .latency_ms]] | group_by(.[0]) | map({(.[0][0]): (map(.[1]) | sort | .[((length * 0.99) | ceil) - 1])}) | add' "$FILE")
report Q3-p99 jq "$t"
t=$(median "$RUNS" sqlite3 "$DB" "WITH t AS (SELECT json_extract(line, '\$.route') AS r, json_extract(line, '\$.latency_ms') AS l FROM logs), k AS (SELECT r, l, row_number() OVER (PARTITION BY r ORDER BY l) AS rn, count(*) OVER (PARTITION BY r) AS n FROM t WHERE l IS NOT NULL) SELECT r, min(l) FROM k WHERE rn * 100 >= 99 * n GROUP BY r ORDER BY r;")
report Q3-p99 sqlite3 "$t"
fi
if want 4; then

t=$(median "$RUNS" "$FW" logs query --max-rows 10000000 -f "$FILE" --format csv "$Q4"); report Q4-5xx/min firewatch "$t"
t=$(median "$JQ_RUNS" jq -nc 'reduce (inputs | select(.status >= 500)) as $e ({}; .[$e.instance + " " + $e["@timestamp"][0:16]] += 1) | length' "$FILE")
report Q4-5xx/min jq "$t"
t=$(median "$RUNS" sqlite3 "$DB" "SELECT count(*) FROM (SELECT json_extract(line, '\$.instance') AS i, substr(json_extract(line, '\$.\"@timestamp\"'), 1, 16) AS m, count(*) FROM logs WHERE json_extract(line, '\$.status') >= 500 GROUP BY i, m);")
report Q4-5xx/min sqlite3 "$t"
fi

echo
echo "firewatch on one thread (--threads 1), for the speed-up from the second core:"
for i in $QUERIES; do
  q=Q$i
  q=${!q}
  t=$(median "$RUNS" "$FW" logs query --max-rows 10000000 --threads 1 -f "$FILE" --format csv "$q")
  report "${q:0:10}" fw-1thread "$t"
done
rm -f "$DB" "$WORK/out" "$WORK/err" "$WORK/time" "$WORK/times" "$WORK/answer"

#!/usr/bin/env bash
# Bytes at rest, firewatch blocks vs Prometheus blocks vs VictoriaMetrics,
# for the same data: the 10,000 series x 6 h at 30 s of
# bench/query_vs_prometheus.sh (its generator is reused verbatim), loaded by
# `firewatch metrics import`, by `promtool tsdb create-blocks-from
# openmetrics`, and by VictoriaMetrics's /api/v1/import/prometheus (then
# flushed and merged, so its parts are as small as they get). Prints chunk
# bytes per sample, index bytes per series and whole-directory bytes per
# sample (VictoriaMetrics: data/ as chunks, indexdb/ as index).
# Usage: bench/storage_vs_prometheus.sh [path/to/firewatch]
set -euo pipefail
FW=${1:-build/firewatch}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"  # $work, $pids, cleanup, free_port, wait_ready

now=$(date +%s)
start=$(( (now - 7 * 3600) / 60 * 60 ))
# The generator is the heredoc of query_vs_prometheus.sh.
sed -n '/^python3 - "\$start"/,/^PY$/p' "$here/query_vs_prometheus.sh" | sed '1d;$d' > "$work/gen.py"
python3 "$work/gen.py" "$start" "$work/data.om"
samples=$(grep -vc '^#' "$work/data.om")
series=$(grep -v '^#' "$work/data.om" | sed 's/ [^ ]* [^ ]*$//' | sort -u | wc -l)
echo "data: $samples samples of $series series"

"$FW" metrics import "$work/data.om" --data "$work/fw" >/dev/null
promtool tsdb create-blocks-from openmetrics "$work/data.om" "$work/prom" >/dev/null
vp=$(free_port)
victoria-metrics -storageDataPath="$work/vm" -httpListenAddr="127.0.0.1:$vp" \
  -retentionPeriod=100y >"$work/vm.log" 2>&1 &
vm_pid=$!
pids+=($vm_pid)
wait_ready "http://127.0.0.1:$vp/health"
awk '!/^#/ {$NF = $NF * 1000; print}' "$work/data.om" >"$work/data.prom"
curl -fsS --data-binary "@$work/data.prom" "http://127.0.0.1:$vp/api/v1/import/prometheus"
curl -fsS "http://127.0.0.1:$vp/internal/force_flush" >/dev/null
curl -fsS "http://127.0.0.1:$vp/internal/force_merge" >/dev/null
sleep 5  # the merge runs in the background
vm_count=$(curl -fsS "http://127.0.0.1:$vp/api/v1/query" --data-urlencode 'query=sum(count_over_time({__name__=~".+"}[10h]))' \
  --data-urlencode "time=$((start + 7 * 3600))" | jq -r '.data.result[0].value[1]')
echo "victoria-metrics holds $vm_count samples"
kill "$vm_pid"; wait "$vm_pid" 2>/dev/null || true  # flushed on the way out

sum() { find "$@" -type f -printf '%s\n' 2>/dev/null | awk '{s += $1} END {print s + 0}'; }
fw_chunks=$(sum "$work"/fw/blocks/*/chunks)
fw_index=$(sum "$work"/fw/blocks/*/index)
fw_all=$(sum "$work/fw")
pr_chunks=$(sum "$work"/prom/*/chunks)
pr_index=$(sum "$work"/prom/*/index)
pr_all=$(sum "$work/prom")
vm_chunks=$(sum "$work/vm/data")
vm_index=$(sum "$work/vm/indexdb")
vm_all=$(sum "$work/vm")
echo "blocks: firewatch $(ls "$work/fw/blocks" | wc -l), prometheus $(ls -d "$work"/prom/*/ | wc -l)"
awk -v s="$samples" -v n="$series" -v fc="$fw_chunks" -v fi="$fw_index" -v fa="$fw_all" \
    -v pc="$pr_chunks" -v pi="$pr_index" -v pa="$pr_all" \
    -v vc="$vm_chunks" -v vi="$vm_index" -v va="$vm_all" 'BEGIN {
  printf "%-28s %12s %12s %12s %8s %8s\n", "", "firewatch", "prometheus", "victoria", "fw/prom", "fw/vm"
  printf "%-28s %12.3f %12.3f %12.3f %8.2f %8.2f\n", "chunk bytes / sample", fc / s, pc / s, vc / s, fc / pc, fc / vc
  printf "%-28s %12.1f %12.1f %12.1f %8.2f %8.2f\n", "index bytes / series", fi / n, pi / n, vi / n, fi / pi, fi / vi
  printf "%-28s %12.3f %12.3f %12.3f %8.2f %8.2f\n", "directory bytes / sample", fa / s, pa / s, va / s, fa / pa, fa / va
  printf "%-28s %12d %12d %12d\n", "chunk bytes", fc, pc, vc
  printf "%-28s %12d %12d %12d\n", "index bytes", fi, pi, vi
}'

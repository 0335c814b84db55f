#!/usr/bin/env bash
# Bytes at rest, firewatch blocks vs Prometheus blocks, for the same data:
# the 10,000 series x 6 h at 30 s of bench/query_vs_prometheus.sh (its
# generator is reused verbatim), loaded by `firewatch metrics import` and by
# `promtool tsdb create-blocks-from openmetrics`. Prints chunk bytes per
# sample, index bytes per series and whole-directory bytes per sample.
# Usage: bench/storage_vs_prometheus.sh [path/to/firewatch]
set -euo pipefail
FW=${1:-build/firewatch}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

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

sum() { find "$@" -type f -printf '%s\n' 2>/dev/null | awk '{s += $1} END {print s + 0}'; }
fw_chunks=$(sum "$work"/fw/blocks/*/chunks)
fw_index=$(sum "$work"/fw/blocks/*/index)
fw_all=$(sum "$work/fw")
pr_chunks=$(sum "$work"/prom/*/chunks)
pr_index=$(sum "$work"/prom/*/index)
pr_all=$(sum "$work/prom")
echo "blocks: firewatch $(ls "$work/fw/blocks" | wc -l), prometheus $(ls -d "$work"/prom/*/ | wc -l)"
awk -v s="$samples" -v n="$series" -v fc="$fw_chunks" -v fi="$fw_index" -v fa="$fw_all" \
    -v pc="$pr_chunks" -v pi="$pr_index" -v pa="$pr_all" 'BEGIN {
  printf "%-28s %12s %12s %8s\n", "", "firewatch", "prometheus", "ratio"
  printf "%-28s %12.3f %12.3f %8.2f\n", "chunk bytes / sample", fc / s, pc / s, fc / pc
  printf "%-28s %12.1f %12.1f %8.2f\n", "index bytes / series", fi / n, pi / n, fi / pi
  printf "%-28s %12.3f %12.3f %8.2f\n", "directory bytes / sample", fa / s, pa / s, fa / pa
  printf "%-28s %12d %12d\n", "chunk bytes", fc, pc
  printf "%-28s %12d %12d\n", "index bytes", fi, pi
}'

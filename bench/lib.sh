# Shared by the side-by-side benchmark scripts and tests/interop: source it
# after `set -euo pipefail`. Gives $work, a scratch directory removed on exit
# after every process in $pids is killed; free_port, an unused local port;
# wait_ready URL, which waits up to 30 s for the URL to answer 2xx.
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  exit 1
}

wait_ready() {
  for _ in $(seq 300); do curl -fsS "$1" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "not ready: $1" >&2
  exit 1
}

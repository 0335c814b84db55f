#!/usr/bin/env bash
# Metrics where a team already keeps them: the headline outage, live, with
# Debian's Prometheus scraping the simulator and `firewatch serve` reading
# every metric from that Prometheus (remote_metrics:, no scrape of its own).
# The analysis of the incident it opens must name the same top cause as the
# analysis of the same scenario on firewatch's built-in store (`rca
# analyze`, deterministic). The scenario is the shipped db-pool-exhaustion
# with its clock starting now (Prometheus stamps samples with the wall
# clock), the leaking release at +2m and a faster leak, so the test takes
# about five minutes. Everything listens on 127.0.0.1 and is stopped on
# exit; every wait is bounded.
set -euo pipefail
FIREWATCH=${1:?usage: remote_metrics_test.sh path/to/firewatch source-dir}
SRC=${2:?usage: remote_metrics_test.sh path/to/firewatch source-dir}
for tool in prometheus curl jq; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (scripts/setup installs it)"; exit 1; }
done
. "$SRC/bench/lib.sh"  # $work, $pids, cleanup, free_port, wait_ready
fail() { echo "FAIL: $*"; for f in "$work"/*.err "$work"/prometheus.log; do [ -f "$f" ] && { echo "--- $f"; tail -15 "$f"; }; done; exit 1; }
export FIREWATCH_TOKEN=ha-admin

# The scenario, starting now.
start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sed -e "s/^start: .*/start: $start/" -e "s/^duration: .*/duration: 20m/" \
    -e "s/  - at: 10m/  - at: 2m/" -e "s/magnitude: 0.015/magnitude: 0.3/" \
    -e "s/boot_time: 90s/boot_time: 20s/" \
    "$SRC/config/scenarios/db-pool-exhaustion.yml" >"$work/outage.yml"
grep -q "at: 2m" "$work/outage.yml" || fail "the shipped scenario changed shape"

# The built-in store's answer.
"$FIREWATCH" rca analyze --scenario-file "$work/outage.yml" --json >"$work/builtin.json"
builtin=$(jq -r '.analysis.hypotheses[0].category' "$work/builtin.json")
[ -n "$builtin" ] && [ "$builtin" != null ] || fail "rca analyze gave no hypothesis"
echo "ok: on the built-in store the top hypothesis is $builtin"

fw_port=$(free_port)
mkdir -p "$work/sim"
"$FIREWATCH" sim serve --scenario-file "$work/outage.yml" --speed 1 --port 0 \
  --log-file "$work/sim/app.ndjson" \
  --change-webhook "http://127.0.0.1:$fw_port/api/v1/changes" >"$work/sim.out" 2>"$work/sim.err" &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$work/sim.out" && break; sleep 0.1; done
sim=$(sed -n 's|listening on http://||p' "$work/sim.out")
[ -n "$sim" ] || fail "sim serve did not start"

prom_port=$(free_port)
cat >"$work/prometheus.yml" <<YML
global: {scrape_interval: 5s, evaluation_interval: 5s}
scrape_configs:
  - job_name: shop
    http_sd_configs: [{url: "http://$sim/sim/targets", refresh_interval: 5s}]
YML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$prom_port/-/ready"

# The shipped config, reading metrics from Prometheus instead of scraping.
/usr/bin/python3 - "$SRC/config" "$work" "$fw_port" "$sim" "$prom_port" <<'PY'
import sys
cfg, work, port, sim, prom = sys.argv[1:]
text = open(cfg + "/firewatch.yml").read()
text = text[:text.index("\nscrape_configs:")] + "\n"
for old, new in [('listen: "127.0.0.1:9400"', 'listen: "127.0.0.1:%s"' % port),
                 ('rule_files: ["rules/*.yml"]', 'rule_files: ["%s/rules/*.yml"]' % cfg),
                 ("dir: runbooks ", "dir: %s/runbooks " % cfg),
                 ("dir: ../data ", "dir: %s/fwdata " % work),
                 ("path: ../data/sim/*.ndjson", "path: %s/sim/*.ndjson" % work)]:
    assert old in text, "the shipped config no longer has: " + old
    text = text.replace(old, new)
text = text.replace("127.0.0.1:9500", sim)
text += "remote_metrics:\n  url: http://127.0.0.1:%s\n  timeout: 5s\n" % prom
open(work + "/firewatch.yml", "w").write(text)
PY
"$FIREWATCH" check config "$work/firewatch.yml" >/dev/null || fail "the edited config does not check"
"$FIREWATCH" serve --config "$work/firewatch.yml" >"$work/fw.out" 2>"$work/fw.err" &
pids+=($!)
wait_ready "http://127.0.0.1:$fw_port/readyz"
fw="http://127.0.0.1:$fw_port"

# Prometheus sees the fleet before the outage begins.
up=""
for _ in $(seq 60); do
  up=$(curl -fsS "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode 'query=count(up == 1)' \
       | jq -r '.data.result[0].value[1] // empty' || true)
  [ "$up" = "8" ] && break
  sleep 0.5
done
[ "$up" = "8" ] || fail "Prometheus scrapes $up targets, want 8"
# firewatch's own store holds nothing of the shop: every metric it reads is Prometheus's.
own=$(curl -fsS "$fw/api/v1/query" --data-urlencode 'query=count(hikaricp_connections_max)' \
      | jq -r '.data.result | length')
[ "$own" = "0" ] || fail "firewatch's own store has the shop's metrics; it should not scrape"
echo "ok: Prometheus scrapes the simulator; firewatch scrapes nothing"

# The outage develops; the incident opens and the responder analyses it.
category=""
for _ in $(seq 480); do  # up to 8 minutes
  category=$(curl -fsS "$fw/api/v1/incidents/INC-1/response" 2>/dev/null \
             | jq -r '.data.hypotheses[0].category // empty' || true)
  [ -n "$category" ] && break
  sleep 1
done
[ -n "$category" ] || fail "no analysis within 8 minutes; incidents: $(curl -fsS "$fw/api/v1/incidents")"
[ "$category" = "$builtin" ] || fail "reading Prometheus the top hypothesis is $category, on the built-in store $builtin"
suspect=$(curl -fsS "$fw/api/v1/incidents/INC-1/response" | jq -r '.data.hypotheses[0].suspect_version // empty')
expected=$(sed -n 's/.*change: \(v[0-9.]*\).*/\1/p' "$work/outage.yml")
[ "$suspect" = "$expected" ] || fail "the suspect change is '$suspect', want the leaking release $expected"
echo "ok: reading Prometheus, the incident's top hypothesis is $category (suspect $suspect), as on the built-in store"
echo "1 passed, 0 failed"

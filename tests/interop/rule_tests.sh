#!/usr/bin/env bash
# Rule semantics pinned to Prometheus: every rule unit-test file in
# tests/alerting/testdata passes both `promtool test rules` (Debian's
# Prometheus) and `firewatch test rules`, every rule file passes both
# `check rules`, and a copy with one wrong expectation fails in both.
set -euo pipefail
FIREWATCH=${1:?usage: rule_tests.sh path/to/firewatch testdata-dir}
DATA=${2:?usage: rule_tests.sh path/to/firewatch testdata-dir}
command -v promtool >/dev/null || { echo "FAIL: promtool not installed (scripts/setup installs it)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

n=0
for t in "$DATA"/*_test.yml; do
  promtool test rules "$t" >"$work/p.txt" 2>&1 || { cat "$work/p.txt"; fail "promtool: $t"; }
  "$FIREWATCH" test rules "$t" >"$work/f.txt" 2>&1 || { cat "$work/f.txt"; fail "firewatch: $t"; }
  n=$((n + 1))
done
[ "$n" -ge 3 ] || fail "only $n test files found in $DATA"
echo "ok: $n rule test files pass in promtool and firewatch"

for r in "$DATA"/*_rules.yml "$DATA"/../../../config/rules/*.yml; do
  promtool check rules "$r" >/dev/null 2>&1 || fail "promtool check rules: $r"
  "$FIREWATCH" check rules "$r" >/dev/null || fail "firewatch check rules: $r"
done
echo "ok: every rule file passes check rules in both"

cp "$DATA"/*.yml "$work/"
sed -i 's/severity: critical, job: shop/severity: warning, job: shop/' "$work/golden_test.yml"
if promtool test rules "$work/golden_test.yml" >/dev/null 2>&1; then fail "promtool accepted a wrong expectation"; fi
set +e
"$FIREWATCH" test rules "$work/golden_test.yml" >/dev/null 2>&1
code=$?
set -e
[ "$code" = 1 ] || fail "firewatch test rules exited $code on a failing test, want 1"
echo "ok: a wrong expectation fails in both"

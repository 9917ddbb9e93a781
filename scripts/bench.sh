#!/usr/bin/env bash
# bench.sh reproduces the figures in docs/PERFORMANCE.md on this machine:
#   1. the tenant scan against the runbook's shell loop of `vault kv metadata get`
#      (TENANTS tenants in the harness's Vault dev server; LOOP of them for the
#      loop, default all: about 19 minutes for 10,000 on 2 cores)
#   2. the audit-log filter against jq and grep on 1,000,000 generated lines
#   3. the Go benchmarks: Vault source, audit parser, dashboard frames
#   4. with BENCH_SCALE=1, the whole tool at a fleet's size beside the limits
#      (scripts/bench-scale.sh: about 5 minutes a size)
set -euo pipefail
cd "$(dirname "$0")/.."
TENANTS="${TENANTS:-10000}"
LOOP="${LOOP:-$TENANTS}"
scripts/testbins.sh >/dev/null
echo "== 1. tenant scan: kubectl-rotation vs the runbook's loop ($TENANTS tenants, loop over $LOOP)"
go run ./internal/bench/tenantbench -tenants "$TENANTS" -loop "$LOOP"
echo
echo "== 2. audit filter: kubectl-rotation vs jq and grep"
scripts/bench-audit.sh
echo
echo "== 3. go test -bench"
KR_BENCH_TENANTS="${KR_BENCH_TENANTS:-10000}" go test -run '^$' -bench 'BenchmarkCollector_VaultSource' -benchtime 3x ./collectors/
go test -run '^$' -bench . -benchmem ./collectors/auditlog/
go test -run '^$' -bench . -benchtime 200x ./ui/
if [[ "${BENCH_SCALE:-}" == 1 ]]; then
	echo
	echo "== 4. the tool at scale: report beside the limits"
	scripts/bench-scale.sh
fi

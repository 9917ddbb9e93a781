#!/usr/bin/env bash
# bench-scale.sh measures the tool at a fleet's size against the limits, on
# the same servers in one run, for each size in SIZES (tenants:jobs:audit
# lines, default "1000:500:100000 10000:5000:1000000"; add 100000:5000:1000000
# for 100,000 tenants):
#
#   1. starts the lab (internal/lab/cmd/rotation-lab, all six scenarios)
#      with that many tenants, older Jobs and audit lines, and waits for it
#      to settle (IDLE_WAIT seconds, default 60);
#   2. the lab at idle: each of its processes' resident memory and CPU over
#      IDLE_SPAN seconds (default 30), from /proc;
#   3. the tool: `kubectl-rotation report -o json` (the built binary) under
#      /usr/bin/time -v: wall time, max RSS, exit code, each source's state
#      and latency, the scenarios' statuses; a first report before it meets
#      the servers' cold caches and is shown apart (the limits run warm);
#   4. the limits (internal/bench/scalebench): raw concurrent metadata GETs
#      for Vault, a bare paginated list of the Jobs, a bare range query for
#      Prometheus (and the per-tenant one the tool used to make), the
#      security pods' logs streamed to nowhere; each alone, then all at once
#      (the tool reads its sources at once); then the dashboard in-process
#      (scalebench -dashboard: first frame, overview complete, longest
#      Update, peak RSS); then the tool's sources one at a time in-process,
#      with their peak heap;
#   5. stops the lab.
#
# Targets (issue 14): report under 3 s and at most 1.3x the slowest limit,
# max RSS under 150 MB, no source timing out; the dashboard's first frame
# under 100 ms, its overview complete under 3 s.
#
#   6. with PAIRS=N, N more reports alternated with N runs of the limits at
#      once: each pair, the medians and the median ratio.
#
# Usage: scripts/bench-scale.sh   (SIZES="10000:5000:1000000" for one size)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-rotation/bench-scale"
SIZES="${SIZES:-1000:500:100000 10000:5000:1000000}"
IDLE_WAIT="${IDLE_WAIT:-60}"
IDLE_SPAN="${IDLE_SPAN:-30}"
PAIRS="${PAIRS:-0}"
NS=rotation-lab
cd "$ROOT"
mkdir -p "$BENCH"

log() { echo "bench-scale: $*" >&2; }
for tool in /usr/bin/time jq awk; do
	command -v "$tool" >/dev/null || { log "$tool is missing"; exit 1; }
done

scripts/testbins.sh >/dev/null
set -a
eval "$(scripts/testbins.sh --env)"
set +a
log "building rotation-lab, kubectl-rotation and scalebench"
go build -o "$BENCH/rotation-lab" ./internal/lab/cmd/rotation-lab
go build -o "$BENCH/kubectl-rotation" ./cmd/kubectl-rotation
go build -o "$BENCH/scalebench" ./internal/bench/scalebench

LAB_PID=
stop_lab() {
	if [[ -n "$LAB_PID" ]] && kill -0 "$LAB_PID" 2>/dev/null; then
		kill -INT "$LAB_PID"
		wait "$LAB_PID" 2>/dev/null || true
	fi
	LAB_PID=
}
trap stop_lab EXIT

# descendants PID: the PIDs below PID, recursively
descendants() {
	local c
	for c in $(ps -o pid= --ppid "$1"); do
		echo "$c"
		descendants "$c"
	done
}

# ticks PID...: "PID NAME TICKS" of each process's CPU time so far
ticks() {
	local pid
	for pid in "$@"; do
		[[ -r /proc/$pid/stat ]] && awk '{gsub(/[()]/, "", $2); print $1, $2, $14 + $15}' "/proc/$pid/stat"
	done
	return 0
}

# cpu_account BEFORE AFTER CLIENT_SECONDS: the CPU seconds each lab process
# used between two ticks outputs, their sum, and with the client's the
# floor on two cores (the wall time the work needs if both cores did
# nothing else)
cpu_account() {
	awk -v hz="$(getconf CLK_TCK)" -v client="$3" -v cores="$(nproc)" '
		NR == FNR {t0[$1] = $3; next}
		($1 in t0) {d = ($3 - t0[$1]) / hz; if (d >= 0.01) {part = part sprintf(", %s %.2f", $2, d)}; sum += d}
		END {printf "  CPU: the client %.2f s, the lab %.2f s (%s); on %d cores the work needs at least %.2f s\n", client, sum, substr(part, 3), cores, (client + sum) / cores}' "$1" "$2"
}

# idle PID...: name, RSS and CPU (% of one core) over IDLE_SPAN seconds
idle() {
	local hz pid
	hz="$(getconf CLK_TCK)"
	declare -A t0
	for pid in "$@"; do
		t0[$pid]="$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)"
	done
	sleep "$IDLE_SPAN"
	for pid in "$@"; do
		[[ -r /proc/$pid/stat ]] || continue
		awk -v hz="$hz" -v span="$IDLE_SPAN" -v t0="${t0[$pid]}" -v rss="$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")" \
			'{gsub(/[()]/, "", $2); printf "  %-26s %8.0f MB RSS %6.1f %% CPU\n", $2, rss / 1024, ($14 + $15 - t0) / hz / span * 100}' "/proc/$pid/stat"
	done
}

for size in $SIZES; do
	IFS=: read -r tenants jobs lines <<<"$size"
	dir="$BENCH/lab-$tenants"
	out="$BENCH/out-$tenants"
	mkdir -p "$out"
	rm -f "$out/env"
	log "starting the lab: $tenants tenants, $jobs more Jobs, $lines more audit lines (seeding takes a while)"
	t0=$(date +%s)
	"$BENCH/rotation-lab" --tenants "$tenants" --jobs "$jobs" --audit-lines "$lines" --dir "$dir" \
		--env-file "$out/env" >"$out/lab.out" 2>"$out/lab.err" &
	LAB_PID=$!
	until [[ -s "$out/env" ]]; do
		kill -0 "$LAB_PID" 2>/dev/null || { log "the lab stopped:"; cat "$out/lab.err" >&2; exit 1; }
		sleep 2
	done
	seeded=$(($(date +%s) - t0))
	log "seeded in ${seeded}s; settling ${IDLE_WAIT}s"
	sleep "$IDLE_WAIT"
	set -a
	# shellcheck disable=SC1090,SC1091
	source "$out/env"
	set +a

	echo "== $tenants tenants, $((jobs + 8)) Jobs, $lines audit lines more than the seeded log (lab seeded in ${seeded}s)"
	echo "lab at idle (over ${IDLE_SPAN}s):"
	# shellcheck disable=SC2046
	idle "$LAB_PID" $(descendants "$LAB_PID")

	# the first report after the lab settled meets cold caches (Prometheus's
	# blocks, the servers' first requests): it is timed on its own and the
	# figure compared with the limits is the second, as the limits run warm
	echo "load average before the first report: $(cut -d' ' -f1-3 /proc/loadavg)"
	/usr/bin/time -f "%e %M" -o "$out/time-cold" "$BENCH/kubectl-rotation" report -o json >"$out/report-cold.json" 2>/dev/null || true
	tail -n 1 "$out/time-cold" | awk '{printf "first report -o json (cold): %.2fs wall, %.0f MB max RSS\n", $1, $2 / 1024}' # time -f says the exit code first
	code=0
	echo "load average before the report: $(cut -d' ' -f1-3 /proc/loadavg)"
	labpids="$LAB_PID $(descendants "$LAB_PID" | tr '\n' ' ')"
	# shellcheck disable=SC2086
	ticks $labpids >"$out/ticks-report-0"
	/usr/bin/time -v -o "$out/time" "$BENCH/kubectl-rotation" report -o json >"$out/report.json" 2>"$out/report.err" || code=$?
	# shellcheck disable=SC2086
	ticks $labpids >"$out/ticks-report-1"
	wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$out/time")"
	rss="$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$out/time")"
	echo "report -o json: ${wall}s wall, ${rss} MB max RSS, exit code $code"
	cpu_account "$out/ticks-report-0" "$out/ticks-report-1" "$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$out/time")"
	jq -r '.sources[] | "  source \(.source): \(.state), \(.latency)\(if .error then " — " + .error else "" end)"' "$out/report.json"
	jq -r '"  scenarios: " + ([.findings[] | "\(.number) \(.status)"] | join(", "))' "$out/report.json"
	jq -r '"  audit log: " + ([.auditLog.pods[]? | "\(.pod) \(.bytes) bytes\(if .cut then " (window cut)" else "" end)\(if .truncated then " (truncated)" else "" end)"] | join(", "))' "$out/report.json"

	echo "load average before the limits: $(cut -d' ' -f1-3 /proc/loadavg)"
	"$BENCH/scalebench" -namespace "$NS" >"$out/limits"
	awk '{d = $4; for (i = 5; i <= NF; i++) d = d " " $i; printf "  %-24s %7.3fs  %s\n", $2, $3, d}' "$out/limits"
	# the four limits at once again, alone, for their CPU account
	# shellcheck disable=SC2086
	ticks $labpids >"$out/ticks-limits-0"
	/usr/bin/time -f "%U %S" -o "$out/time-limits" "$BENCH/scalebench" -namespace "$NS" -together >"$out/limits-together"
	# shellcheck disable=SC2086
	ticks $labpids >"$out/ticks-limits-1"
	echo "the limits at once again: $(awk '{print $3}' "$out/limits-together")s"
	cpu_account "$out/ticks-limits-0" "$out/ticks-limits-1" "$(tail -n 1 "$out/time-limits" | awk '{print $1 + $2}')"
	slowest="$(awk '$2 != "prometheus-per-tenant" && $2 != "together" && $3 > m {m = $3} END {print m}' "$out/limits")"
	together="$(awk '$2 == "together" {print $3}' "$out/limits")"
	awk -v w="$wall" -v s="$slowest" -v t="$together" -v r="$rss" 'BEGIN {
		printf "report / slowest limit alone: %.2fx, / the limits at once: %.2fx (target <= 1.3x); report %.2fs (target < 3s); RSS %d MB (target < 150 MB)\n", w / s, w / t, w, r
	}'
	echo "the dashboard in-process at 120x40 (load average before: $(cut -d' ' -f1-3 /proc/loadavg); targets: first frame < 100 ms, overview complete < 3 s, no Update over 5 ms):"
	"$BENCH/scalebench" -namespace "$NS" -dashboard | awk '$2 == "longest-update" {printf "  %-16s %7.1f ms (of %d Updates)\n", $2, $3 * 1000, $4; next} $2 == "update" {printf "    longest %-24s %5.1f ms\n", $3, $4 * 1000; next} $2 == "max-rss" {printf "  %-16s %7d MB\n", $2, $3; next} {d = $3; for (i = 4; i <= NF; i++) d = d " " $i; printf "  %-16s %s%s\n", $2, d, ($3 ~ /^[0-9.]+$/ ? " s" : "")}'
	echo "the tool's sources one at a time, in-process (seconds, peak Go heap MB; load average before: $(cut -d' ' -f1-3 /proc/loadavg)):"
	"$BENCH/scalebench" -namespace "$NS" -sources | awk '{printf "  %-24s %7.3fs %5d MB  %s\n", $2, $3, $4, $5}'
	if jq -r '.sources[] | (.error // ""), (.problems[]?.error // "")' "$out/report.json" | grep -qiE 'timed out|deadline exceeded|did not answer in time|timeout'; then
		echo "  a source timed out (see $out/report.json)"
	else
		echo "  no source timed out"
	fi
	if ((PAIRS > 0)); then
		# one report beside one run of the limits at once is at the mercy
		# of whatever else the two cores do in those seconds (the lab's
		# alert rules, a compaction): PAIRS more of each, alternated, and
		# the medians and the median of the pairs' ratios
		echo "report and the limits at once, alternated ${PAIRS} times (wall seconds):"
		: >"$out/pairs"
		for ((i = 1; i <= PAIRS; i++)); do
			/usr/bin/time -f "%e" -o "$out/time-pair" "$BENCH/kubectl-rotation" report -o json >/dev/null 2>&1 || true
			r="$(tail -n 1 "$out/time-pair")"
			l="$("$BENCH/scalebench" -namespace "$NS" -together | awk '{print $3}')"
			echo "$r $l" >>"$out/pairs"
			awk -v i="$i" -v r="$r" -v l="$l" 'BEGIN {printf "  %2d: report %.2f s, limits at once %.2f s, ratio %.2fx\n", i, r, l, r / l}'
		done
		sort -n -k1,1 "$out/pairs" | awk '{r[NR] = $1} END {m = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2; printf "  median report %.2f s", m}'
		sort -n -k2,2 "$out/pairs" | awk '{l[NR] = $2} END {m = (NR % 2) ? l[(NR + 1) / 2] : (l[NR / 2] + l[NR / 2 + 1]) / 2; printf ", median limits at once %.2f s", m}'
		awk '{print $1 / $2}' "$out/pairs" | sort -n | awk '{x[NR] = $1} END {m = (NR % 2) ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2; printf ", median ratio %.2fx (target <= 1.3x)\n", m}'
	fi
	echo
	stop_lab
done

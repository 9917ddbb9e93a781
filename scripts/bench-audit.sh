#!/usr/bin/env bash
# bench-audit.sh compares the audit-log aggregator (collectors/auditlog) with
# the runbook's manual procedure on the same generated pod log:
#
#   jq      the runbook's `jq 'select(.action | contains("cmek.rotation"))'`.
#           Plain jq stops at the first line that is not JSON ("Server
#           listening on :8080"), so it is run as
#             jq -R -c 'fromjson? | select(.action? // "" | contains("cmek.rotation"))'
#           which reads raw lines and skips the ones that do not parse: the
#           same job as ours. Its output is counted (wc -l, outside the
#           timing) to check that both find the same events.
#   grep    grep -c cmek.rotation, with LC_ALL=C (grep's fastest mode): the
#           floor for anything that looks at every byte.
#   ours    collectors/auditlog/internal/auditcount, built once, the binary
#           timed (not `go run`); also on a 100k-line file, to show memory
#           does not grow with the input.
#
# Each is timed with /usr/bin/time (elapsed, max RSS, user+system CPU) after
# the files are read once into the page cache; grep and ours run
# ${BENCH_RUNS:-3} times, alternately, and the run with the median elapsed
# time is shown, jq once. The CPU time says more than the elapsed time when the machine
# is loaded; the load average is printed with the figures.
#
# The logs are written by collectors/auditlog/internal/gen (seed 1) into
# ${XDG_CACHE_HOME:-~/.cache}/kubectl-rotation/bench/, only when missing; their
# names carry a fingerprint of the generator, so changing it makes new ones.
#
# Usage: scripts/bench-audit.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-rotation/bench"
RUNS="${BENCH_RUNS:-3}"
JQ=/usr/bin/jq
PATTERN=cmek.rotation
mkdir -p "$BENCH"
cd "$ROOT"

log() { echo "bench-audit: $*" >&2; }

for tool in "$JQ" /usr/bin/time grep awk; do
	command -v "$tool" >/dev/null || { log "$tool is missing"; exit 1; }
done

fp="$(cat collectors/auditlog/internal/corpus/*.go collectors/auditlog/internal/gen/*.go | sha256sum | cut -c1-12)"
logfile() { echo "$BENCH/audit-$1-seed1-$fp.log"; }

for lines in 1000000 100000; do
	f="$(logfile "$lines")"
	if [[ ! -f "$f" ]]; then
		log "generating $lines lines into $f"
		go run ./collectors/auditlog/internal/gen -lines "$lines" -seed 1 -o "$f"
	fi
done
BIG="$(logfile 1000000)"
SMALL="$(logfile 100000)"

log "building auditcount"
go build -o "$BENCH/auditcount" ./collectors/auditlog/internal/auditcount

cat "$BIG" "$SMALL" >/dev/null # into the page cache

# timed TIMEFILE CMD...: runs CMD under /usr/bin/time, its output to a
# file: not /dev/null, which GNU grep notices and then stops at the first
# match.
timed() {
	local out="$1"
	shift
	/usr/bin/time -f "%e s %M KB %U %S" -o "$out" "$@" >"$BENCH/out"
}

# median NAME: prints "seconds rss cpu" of the run of NAME with the median
# elapsed time.
median() {
	cat "$BENCH"/time."$1".* | awk '{print $1, $3, $5 + $6}' | sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2)'
}

log "timing jq (about ten seconds)"
JQ_FILTER='fromjson? | select(.action? // "" | contains("cmek.rotation"))'
jq_events="$(/usr/bin/time -f "%e s %M KB %U %S" -o "$BENCH/time.jq" "$JQ" -R -c "$JQ_FILTER" "$BIG" | wc -l)"
read -r jq_s _ jq_kb _ jq_u jq_sys <"$BENCH/time.jq"
jq_cpu="$(awk -v u="$jq_u" -v s="$jq_sys" 'BEGIN { print u + s }')"

log "timing grep and ours, $RUNS runs each"
# The runs of grep and ours alternate, so that a load coming and going on
# the machine weighs on both alike.
for ((i = 0; i < RUNS; i++)); do
	timed "$BENCH/time.grep.$i" env LC_ALL=C grep -c "$PATTERN" "$BIG"
	timed "$BENCH/time.ours.$i" "$BENCH/auditcount" "$BIG"
	timed "$BENCH/time.small.$i" "$BENCH/auditcount" "$SMALL"
done
read -r grep_s grep_kb grep_cpu <<<"$(median grep)"
read -r ours_s ours_kb ours_cpu <<<"$(median ours)"
read -r small_s small_kb small_cpu <<<"$(median small)"
ours_events="$("$BENCH/auditcount" "$BIG" | sed -n 's/.* events=\([0-9]*\) .*/\1/p')"

big_bytes="$(stat -c %s "$BIG")"
small_bytes="$(stat -c %s "$SMALL")"

awk -v big="$big_bytes" -v small="$small_bytes" \
	-v jq_s="$jq_s" -v jq_kb="$jq_kb" -v grep_s="$grep_s" -v grep_kb="$grep_kb" \
	-v ours_s="$ours_s" -v ours_kb="$ours_kb" -v small_s="$small_s" -v small_kb="$small_kb" \
	-v jq_cpu="$jq_cpu" -v grep_cpu="$grep_cpu" -v ours_cpu="$ours_cpu" -v small_cpu="$small_cpu" \
	-v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
	-v jq_events="$jq_events" -v ours_events="$ours_events" -v runs="$RUNS" '
function row(tool, lines, bytes, s, kb, cpu) {
	printf "%-28s %9s %8.1f %8.2f %9s %10s %8.2f\n", tool, lines, bytes / 1e6, s, (s > 0 ? sprintf("%.0f", bytes / 1e6 / s) : "-"), kb " KB", cpu
}
BEGIN {
	printf "%-28s %9s %8s %8s %9s %10s %8s\n", "tool", "lines", "MB", "seconds", "MB/s", "max RSS", "user+sys"
	row("jq -R fromjson? select", "1000000", big, jq_s, jq_kb, jq_cpu)
	row("grep -c cmek.rotation", "1000000", big, grep_s, grep_kb, grep_cpu)
	row("auditcount (ours)", "1000000", big, ours_s, ours_kb, ours_cpu)
	row("auditcount (ours)", "100000", small, small_s, small_kb, small_cpu)
	printf "jq/ours %.1fx (target >= 20x), ours/grep %.2fx elapsed, %.2fx user+sys (target <= 1.5x); grep and ours: median of %d runs\n", jq_s / ours_s, ours_s / grep_s, (grep_cpu > 0 ? ours_cpu / grep_cpu : 0), runs
	printf "events found: jq %d, ours %d (%s); load average %s\n", jq_events, ours_events, (jq_events == ours_events ? "same" : "DIFFERENT"), load
}'
rm -f "$BENCH"/time.* "$BENCH/out"

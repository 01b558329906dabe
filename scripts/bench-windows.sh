#!/usr/bin/env bash
# Runs benchmarks under Wine (make bench-windows):
#
#   scripts/bench-windows.sh [GO TEST ARGS...]
#
# `GOOS=windows GOARCH=amd64 go test -run '^$' -bench . -benchtime 100x ARGS`
# (default ARGS: ./platform) in a fresh Wine prefix, as
# scripts/test-windows.sh does. A later -bench, -benchtime or -run in ARGS
# wins. Then, for each BenchmarkNAME that has a BenchmarkExecCmdNAME (the
# same program started by a raw os/exec), it prints NAME's ratio to it:
# of ns/op, and of median-start-µs when both report it. Wine is not
# Windows: take its numbers for comparisons between runs here, not for
# Windows'. Exit status: go test's.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -gt 0 ] || set -- ./platform
out=$(mktemp "${TMPDIR:-/tmp}/procman-bench-windows.XXXXXX")
trap 'rm -f "$out"' EXIT

status=0
scripts/windows/run.sh -run '^$' -bench . -benchtime 100x "$@" | tee "$out" || status=$?

# A result line: BenchmarkNAME-PROCS  N  VALUE UNIT  VALUE UNIT ...; with
# -count, a name's values are averaged.
awk '
$1 ~ /^Benchmark/ && $3 ~ /^[0-9.]+$/ {
	name = $1
	sub(/^Benchmark/, "", name)
	sub(/-[0-9]+$/, "", name)
	runs[name]++
	for (i = 3; i < NF; i += 2) sum[name, $(i + 1)] += $i
}
function mean(name, unit) { return sum[name, unit] / runs[name] }
function ratio(name, unit, label) {
	if (!((name, unit) in sum) || !(("ExecCmd" name, unit) in sum) || mean("ExecCmd" name, unit) == 0) return
	printf "bench-windows: %s / ExecCmd%s, %s: %.2f (%.0f / %.0f %s)\n", name, name, label,
		mean(name, unit) / mean("ExecCmd" name, unit), mean(name, unit), mean("ExecCmd" name, unit), unit
}
END {
	for (name in runs) {
		if (name ~ /^ExecCmd/ || !(("ExecCmd" name) in runs)) continue
		ratio(name, "median-start-µs", "start call")
		ratio(name, "ns/op", "start to end")
	}
}' "$out"
exit "$status"

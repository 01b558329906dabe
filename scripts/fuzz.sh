#!/usr/bin/env bash
# Runs every fuzz target of the module, one after the other, each for the
# given time (default 30s; a count like 10000x works too):
#
#   scripts/fuzz.sh [FUZZTIME]
#
# go test -fuzz takes one target per package per run, so each target gets a
# run of its own. Targets are found in the test files that go list counts
# for this system, so a new `func FuzzXxx(f *testing.F)` anywhere in the
# module is picked up without a change here. A target that finds a crasher
# fails the run, after the others have had their turn; go test has written
# the input to the package's testdata/fuzz/FuzzXxx, where, once the bug is
# fixed, it stays as a seed that go test ./... runs.
set -euo pipefail

fuzztime=${1:-30s}
GO=${GO:-go}
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# One line per target: the package's directory, then the target's name.
targets=$($GO list -f '{{$dir := .Dir}}{{range .TestGoFiles}}{{$dir}} {{$dir}}/{{.}}{{"\n"}}{{end}}{{range .XTestGoFiles}}{{$dir}} {{$dir}}/{{.}}{{"\n"}}{{end}}' ./... |
	while read -r dir file; do
		sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*\*testing\.F).*/\1/p' "$file" | sed "s|^|$dir |"
	done)
if [ -z "$targets" ]; then
	echo "fuzz: no fuzz targets found" >&2
	exit 1
fi

count=$(wc -l <<<"$targets")
echo "fuzz: $count targets, $fuzztime each"
failed=()
while read -r dir name; do
	pkg=.${dir#"$PWD"}
	printf 'fuzz: %-40s %s ' "$pkg" "$name"
	start=$SECONDS
	if $GO test -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" "$pkg" </dev/null >"$log" 2>&1; then
		# The last progress line says how many inputs were tried.
		execs=$(grep -o 'execs: [0-9]*' "$log" | tail -n 1 | cut -d ' ' -f 2)
		echo "ok ($((SECONDS - start))s, ${execs:-?} execs)"
	else
		echo "FAILED ($((SECONDS - start))s)"
		grep -v '^fuzz: elapsed' "$log" | sed 's/^/    /'
		failed+=("$pkg $name")
	fi
done <<<"$targets"

if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: ${#failed[@]} of $count targets failed:" >&2
	printf '  %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "fuzz: all $count targets passed"

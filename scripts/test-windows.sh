#!/usr/bin/env bash
# Runs the module's Windows tests under Wine (make test-windows):
#
#   scripts/test-windows.sh [GO TEST ARGS...]
#
# The arguments (packages and go test flags) go to
# `GOOS=windows GOARCH=amd64 go test -count=1`; without a package, every
# package that has tests built for Windows (a test file that no build
# constraint keeps off Windows) is tested. Needs wine, wine64 and
# gcc-mingw-w64-x86-64 (Debian); the Wine prefix is a fresh temporary one,
# removed at the end, and every Wine process is stopped from the Linux side
# (scripts/windows/run.sh). Exit status: go test's. (An argument that starts
# with ./, ../ or github.com/ counts as a package.)
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}

pkg_given=
for a in "$@"; do
	case "$a" in ./* | ../* | github.com/*) pkg_given=1 ;; esac
done
if [ -z "$pkg_given" ]; then
	mapfile -t pkgs < <(GOOS=windows GOARCH=amd64 $GO list \
		-f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./... | sed '/^$/d')
	if [ ${#pkgs[@]} -eq 0 ]; then
		echo "test-windows: no package has tests built for Windows"
		exit 0
	fi
	set -- "$@" "${pkgs[@]}"
fi
exec scripts/windows/run.sh -count=1 "$@"

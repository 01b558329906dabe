#!/usr/bin/env bash
# Runs `GOOS=windows GOARCH=amd64 go test ARGS...` under Wine, in a Wine
# prefix of its own that lives only as long as the run: scripts/test-windows.sh
# and scripts/bench-windows.sh call it.
#
#  1. a fresh temporary directory holds everything: procman built from this
#     checkout, the stand-in bcryptprimitives.dll (built from
#     scripts/windows/bcryptprimitives.c; stock Wine 8 lacks it and every Go
#     >= 1.22 program dies at start without it), the `go test -overlay` that
#     makes os.RemoveAll work under Wine, and the WINEPREFIX;
#  2. the whole Wine part (scripts/windows/in-prefix.sh: wineserver, wineboot,
#     go test) runs under `procman run --exit-with-main`, so that wineserver
#     and every Wine process are stopped from the Linux side, whatever
#     becomes of them, when go test ends — Wine processes have parent pid 1
#     and outlive even a SIGKILLed wineserver, so nothing here goes by name;
#  3. the prefix is removed, and the run fails if any process of it is left.
#
# Exit status: go test's (125 when procman itself failed).
set -euo pipefail
cd "$(dirname "$0")/../.."

GO=${GO:-go}

for tool in wine wineserver wineboot x86_64-w64-mingw32-gcc; do
	if ! command -v "$tool" >/dev/null; then
		echo "windows tests: $tool is missing (Debian: apt-get install wine wine64 gcc-mingw-w64-x86-64)" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/procman-wine.XXXXXX")
prefix=$tmp/prefix
trap 'rm -rf "$tmp"' EXIT

# procman, from this checkout, holds the Wine part.
$GO build -o "$tmp/procman" ./cmd/procman

x86_64-w64-mingw32-gcc -shared -O2 -Wall -Wextra -o "$tmp/bcryptprimitives.dll" \
	scripts/windows/bcryptprimitives.c -lbcrypt

# Go 1.26's os.RemoveAll (so every t.TempDir cleanup) fails under Wine 8:
# Wine answers FileDispositionInformationEx with an error Go does not take
# for "unsupported". The overlay adds one file to package os that makes it
# use the older call, which Wine has — without touching this module's code.
goroot=$($GO env GOROOT)
symbol=TestDeleteatFallback
if ! grep -qs "^var $symbol bool" "$goroot"/src/internal/syscall/windows/*.go; then
	echo "windows tests: internal/syscall/windows.$symbol not found in $goroot: update scripts/windows/run.sh for this Go" >&2
	exit 1
fi
mkdir "$tmp/overlay"
cat >"$tmp/overlay/wine_deleteat_windows.go" <<EOF
// Added by scripts/windows/run.sh (go test -overlay) for runs under Wine.

package os

import "internal/syscall/windows"

func init() { windows.$symbol = true }
EOF
printf '{"Replace":{"%s":"%s"}}\n' \
	"$goroot/src/os/zz_procman_wine_deleteat_windows.go" \
	"$tmp/overlay/wine_deleteat_windows.go" >"$tmp/overlay.json"

mkdir "$prefix"

export WINEPREFIX=$prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" \
	PROCMAN_WINE_DLL=$tmp/bcryptprimitives.dll PROCMAN_WINE_OVERLAY=$tmp/overlay.json \
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0
# procman gives the command a small fixed environment: name what it needs.
envs=(--env WINEPREFIX --env WINEDEBUG --env WINEDLLOVERRIDES --env PROCMAN_WINE_DLL
	--env PROCMAN_WINE_OVERLAY --env GOOS --env GOARCH --env CGO_ENABLED
	--env "GOCACHE=$($GO env GOCACHE)" --env "GOMODCACHE=$($GO env GOMODCACHE)"
	--env "GOPATH=$($GO env GOPATH)"
	# Debian's wineserver makes its socket's directory in TMPDIR (upstream
	# Wine: /tmp/.wine-UID): here it goes with the rest.
	--env "TMPDIR=$tmp")
for v in GO GOFLAGS GOPROXY GOPRIVATE GONOSUMDB GONOSUMCHECK GONOPROXY GOSUMDB GOTOOLCHAIN GOENV DISPLAY; do
	[ -n "${!v+x}" ] && envs+=(--env "$v")
done

# procman runs in the background so that a signal to this script (a CI
# timeout, Ctrl-C) is passed on: procman then stops the whole tree, and only
# after that is the prefix removed.
"$tmp/procman" run --no-plugins --exit-with-main --grace 3s --log-level error "${envs[@]}" -- \
	"$PWD/scripts/windows/in-prefix.sh" "$@" &
pm=$!
trap 'kill -TERM "$pm" 2>/dev/null || true' INT TERM HUP
status=0
while :; do
	wait "$pm" && status=0 || status=$?
	kill -0 "$pm" 2>/dev/null || break
done
trap - INT TERM HUP

# procman has stopped the tree; check that nothing of this prefix lives on
# (by its environment, which every Wine process of it carries).
unset WINEPREFIX
mapfile -t left < <(grep -lzxF "WINEPREFIX=$prefix" /proc/[0-9]*/environ 2>/dev/null |
	sed -n 's|^/proc/\([0-9]*\)/environ$|\1|p' || true)
if [ ${#left[@]} -gt 0 ]; then
	echo "windows tests: processes of $prefix outlived the run:" >&2
	ps -o pid,ppid,args -p "$(
		IFS=,
		echo "${left[*]}"
	)" >&2 || true
	kill -KILL "${left[@]}" 2>/dev/null || true
	[ "$status" != 0 ] || status=1
fi
exit "$status"

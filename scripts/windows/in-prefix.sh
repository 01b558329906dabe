#!/usr/bin/env bash
# The Wine part of scripts/windows/run.sh, which runs it under
# `procman run --exit-with-main` with WINEPREFIX (a new, empty directory),
# PROCMAN_WINE_DLL, PROCMAN_WINE_OVERLAY, GOOS=windows and GOARCH=amd64 set:
# makes the prefix, installs the stand-in bcryptprimitives.dll, then runs
# `go test -exec wine-exec.sh -overlay … ARGS` (wine-exec.sh runs wine).
# Whatever Wine leaves running (wineserver, services) procman stops when
# this script exits.
set -euo pipefail

GO=${GO:-go}

# A persistent wineserver: every .exe then starts in ~0.05 s instead of
# 0.2–0.6 s. wineboot makes the prefix (~9 s) with its stdio on /dev/null,
# or Wine's own services would hold go test's output pipe open and the run
# would end with "Test I/O incomplete".
wineserver -p
start=$(date +%s)
wineboot </dev/null >/dev/null 2>&1
cp "$PROCMAN_WINE_DLL" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
echo "windows tests: Wine prefix ready in $(($(date +%s) - start)) s" >&2

exec "$GO" test -exec "$(dirname "$0")/wine-exec.sh" -overlay "$PROCMAN_WINE_OVERLAY" "$@"

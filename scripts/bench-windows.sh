#!/usr/bin/env bash
# Runs benchmarks under Wine (make bench-windows):
#
#   scripts/bench-windows.sh [GO TEST ARGS...]
#
# `GOOS=windows GOARCH=amd64 go test -run '^$' -bench . ARGS` (default
# ARGS: ./platform) in a fresh Wine prefix, as scripts/test-windows.sh does.
# A later -bench, -benchtime or -run in ARGS wins. Wine is not Windows:
# take its numbers for comparisons between runs here, not for Windows'.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -gt 0 ] || set -- ./platform
exec scripts/windows/run.sh -run '^$' -bench . "$@"

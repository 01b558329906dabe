#!/bin/sh
# go test -exec for runs under Wine (scripts/windows/in-prefix.sh): runs the
# test binary with wine, its output in a file that is copied to go test
# once wine has exited. A Wine service that a test starts on demand (the
# desktop's explorer.exe, say) inherits the test binary's stdout and
# stderr and lives on until the prefix is stopped: on go test's own pipe
# it would keep the pipe open, and go test would fail the package with
# "Test I/O incomplete" (or wait) although every test passed.
out=$(mktemp "${TMPDIR:-/tmp}/wine-test-output.XXXXXX") || exit 125
wine "$@" >"$out" 2>&1
status=$?
cat "$out"
rm -f "$out"
exit "$status"

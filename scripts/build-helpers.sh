#!/bin/sh
# Builds the small C helpers procman carries inside itself (the namespace
# init and the reaper) into the images that go:embed picks up. The images
# are committed, so building or testing procman needs no C compiler; run
# this (make helpers) after changing a helper's C source. It needs
# musl-gcc (Debian: apt-get install musl-tools): linked statically against
# musl, a helper is about 25 KB and runs in about 40 KB of memory.
#
# Each image records the SHA-256 of its source; a test fails when the
# committed image was not rebuilt from the committed source.
#
#   scripts/build-helpers.sh [SOURCE.c...]    (default: every helper)
set -eu
cd "$(dirname "$0")/.."
CC=${CC:-musl-gcc}
[ $# -gt 0 ] || set -- platform/internal/initimage/csrc/procman-init.c reaper/internal/image/csrc/procman-reaper.c
for src in "$@"; do
	[ -f "$src" ] || continue
	dir=$(dirname "$(dirname "$src")")
	name=$(basename "$src" .c)
	sum=$(sha256sum "$src" | cut -d' ' -f1)
	"$CC" -static -Os -s -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
		-DSOURCE_SHA256="\"$sum\"" -o "$dir/$name.linux-amd64" "$src"
	echo "built $dir/$name.linux-amd64 ($(wc -c <"$dir/$name.linux-amd64") bytes)"
done

#!/bin/sh
# Builds the small C helpers procman carries inside itself (the namespace
# init and the reaper) into the images that go:embed picks up. The images
# are committed, so building or testing procman needs no C compiler; run
# this (make helpers) after changing a helper's C source. It needs
# musl-gcc (Debian: apt-get install musl-tools): linked statically against
# musl, a helper is about 25 KB and runs in about 40 KB of memory.
#
# The build is reproducible: the same source and toolchain give the same
# bytes, which is how scripts/check-helpers.sh tells that a committed image
# was built from the committed source. OUT, when set, is the directory the
# images are written to instead of beside their sources.
#
#   scripts/build-helpers.sh [SOURCE.c...]    (default: every helper)
set -eu
cd "$(dirname "$0")/.."
CC=${CC:-musl-gcc}
[ $# -gt 0 ] || set -- platform/internal/initimage/csrc/procman-init.c reaper/internal/image/csrc/procman-reaper.c
for src in "$@"; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .c)
	out=${OUT:-$(dirname "$(dirname "$src")")}/$name.linux-amd64
	"$CC" -static -Os -s -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$out" "$src"
	echo "built $out ($(wc -c <"$out") bytes)"
done

#!/bin/sh
# Builds the helpers procman carries inside itself into the images that
# go:embed picks up: the small C helpers for Linux (the namespace init and
# the reaper) and the Go reaper for macOS (reaper/internal/scanreaper).
# The images are committed, so building or testing procman needs neither a
# C compiler nor this script; run it (make helpers) after changing a
# helper's source.
#
# The C helpers need musl-gcc (Debian: apt-get install musl-tools): linked
# statically against musl, a helper is about 25 KB and runs in about 40 KB
# of memory. The Go reaper is cross-compiled for darwin/amd64 and
# darwin/arm64 with the Go release pinned in scripts/helpers-toolchain
# (GOTOOLCHAIN fetches it through the module proxy when the local go is
# another); the Go linker gives the arm64 image the ad-hoc code signature
# Apple silicon requires.
#
# The build is reproducible: the same source and toolchain give the same
# bytes, which is how scripts/check-helpers.sh tells that a committed image
# was built from the committed source. OUT, when set, is the directory the
# images are written to instead of beside their sources.
#
#   scripts/build-helpers.sh [SOURCE.c | GO-PACKAGE-DIR]...   (default: every helper)
set -eu
cd "$(dirname "$0")/.."
CC=${CC:-musl-gcc}
[ $# -gt 0 ] || set -- platform/internal/initimage/csrc/procman-init.c reaper/internal/image/csrc/procman-reaper.c \
	reaper/internal/scanreaper

# go_helper prints "NAME IMAGE-DIR" for a Go helper's package directory.
go_helper() {
	case "$1" in
	reaper/internal/scanreaper) echo "procman-reaper reaper/internal/image" ;;
	*) echo "build-helpers: $1 is no helper" >&2; return 1 ;;
	esac
}

go_version=$(awk '$1 == "go" { print $2 }' scripts/helpers-toolchain)
[ -n "$go_version" ] || { echo "build-helpers: no go line in scripts/helpers-toolchain" >&2; exit 1; }

for src in "$@"; do
	case "$src" in
	*.c)
		[ -f "$src" ] || continue
		name=$(basename "$src" .c)
		out=${OUT:-$(dirname "$(dirname "$src")")}/$name.linux-amd64
		"$CC" -static -Os -s -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$out" "$src"
		echo "built $out ($(wc -c <"$out") bytes)"
		;;
	*)
		src=${src%/}
		helper=$(go_helper "$src")
		name=${helper% *}
		for arch in amd64 arm64; do
			out=${OUT:-${helper#* }}/$name.darwin-$arch
			# Everything the environment could change is set: the
			# toolchain, the target's instruction set level, the flags.
			env GOTOOLCHAIN="go$go_version" GOFLAGS= GOEXPERIMENT= CGO_ENABLED=0 \
				GOOS=darwin GOARCH=$arch GOAMD64=v1 GOARM64=v8.0 \
				go build -trimpath -buildvcs=false -ldflags='-s -w -buildid=' -o "$out" "./$src"
			echo "built $out ($(wc -c <"$out") bytes)"
		done
		;;
	esac
done

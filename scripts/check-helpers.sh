#!/bin/sh
# Checks that the committed helper images (procman-init and procman-reaper
# for Linux, procman-reaper for macOS) are exactly what their committed
# sources build into: it rebuilds them with the pinned toolchain
# (scripts/helpers-toolchain) and compares the bytes. An image changed by
# hand, or built from other source, fails here.
#
# The Go images are always compared: GOTOOLCHAIN fetches the pinned Go
# release where the local go is another, and a build that fails fails the
# check. Where the pinned C toolchain is not installed the C images cannot
# be compared, and the check says so and passes, unless
# HELPERS_CHECK=strict (CI sets it): then it fails.
set -eu
cd "$(dirname "$0")/.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0

# compare checks every image built into the directory $1 against the
# committed one of the same name.
compare() {
	for built in "$1"/*; do
		name=$(basename "$built")
		committed=$(git ls-files "*/$name")
		if [ -z "$committed" ]; then
			echo "check-helpers: $name is not committed" >&2
			status=1
		elif ! cmp -s "$built" "$committed"; then
			echo "check-helpers: $committed is not what its source builds into: rebuild it with make helpers" >&2
			status=1
		else
			echo "check-helpers: $committed matches its source ($(wc -c <"$built") bytes)"
		fi
	done
}

mkdir "$out/go" "$out/c"
if OUT="$out/go" ./scripts/build-helpers.sh reaper/internal/scanreaper >/dev/null; then
	compare "$out/go"
else
	echo "check-helpers: the Go helpers did not build with the pinned Go release" >&2
	status=1
fi

missing=""
while read -r pkg version; do
	case "$pkg" in '#'* | '' | go) continue ;; esac
	have=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
	[ "$have" = "$version" ] || missing="$missing $pkg=$version (installed: ${have:-none})"
done <scripts/helpers-toolchain
if [ -n "$missing" ]; then
	echo "check-helpers: the pinned C toolchain is not installed:$missing" >&2
	if [ "${HELPERS_CHECK:-}" = strict ]; then
		exit 1
	fi
	echo "check-helpers: the C helper images were NOT compared with their sources" >&2
	exit $status
fi
OUT="$out/c" ./scripts/build-helpers.sh platform/internal/initimage/csrc/procman-init.c \
	reaper/internal/image/csrc/procman-reaper.c >/dev/null
compare "$out/c"
exit $status

#!/bin/sh
# Checks that the committed helper images (procman-init, procman-reaper)
# are exactly what their committed C sources build into: it rebuilds both
# with the pinned toolchain (scripts/helpers-toolchain) and compares the
# bytes. An image changed by hand, or built from other source, fails here.
#
# Where the pinned toolchain is not installed the images cannot be
# compared, and the check says so and passes, unless HELPERS_CHECK=strict
# (CI sets it): then it fails.
set -eu
cd "$(dirname "$0")/.."

missing=""
while read -r pkg version; do
	case "$pkg" in '#'* | '') continue ;; esac
	have=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
	[ "$have" = "$version" ] || missing="$missing $pkg=$version (installed: ${have:-none})"
done <scripts/helpers-toolchain
if [ -n "$missing" ]; then
	echo "check-helpers: the pinned toolchain is not installed:$missing" >&2
	if [ "${HELPERS_CHECK:-}" = strict ]; then
		exit 1
	fi
	echo "check-helpers: the helper images were NOT compared with their sources" >&2
	exit 0
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
OUT="$out" ./scripts/build-helpers.sh >/dev/null
status=0
for built in "$out"/*; do
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
exit $status

#!/usr/bin/env bash
# Runs procman's spawn tests (sdk, platform, host) and the acceptance suite as an
# unprivileged user (uid 65534), which is what most users of procman are.
# The checkout may sit where that user cannot go, so everything it runs is
# built first into a world-readable temporary directory. That directory is not
# under /tmp: procman runs plugins only from directories that nobody but root
# and the user may change, /tmp and everything below it excluded, so the user
# gets a private TMPDIR inside it, where the tests put their plugins. Both paths
# stay as short as /tmp/ nearly: tests make sockets a few levels below TMPDIR,
# and a socket's path must fit in 107 bytes.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
	echo "test-unprivileged: not root, so the ordinary test run was already unprivileged"
	exit 0
fi
if ! command -v setpriv >/dev/null; then
	echo "test-unprivileged: setpriv (util-linux) is missing" >&2
	exit 1
fi

GO=${GO:-go}
base=/run
[ -d "$base" ] && [ -w "$base" ] || base=/var/lib
dir=$(mktemp -d "$base/pm.XXXXXX")
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
mkdir -m 700 "$dir/t"
chown 65534:65534 "$dir/t"

CGO_ENABLED=0 $GO build -tags procman_lean -o "$dir/procman" ./cmd/procman
CGO_ENABLED=0 $GO build -o "$dir/procman-grpc" ./cmd/procman
$GO build -o "$dir/testchild" ./internal/testchild
$GO build -o "$dir/testembed" ./internal/testembed
$GO build -o "$dir/testplugin" ./internal/testplugin
$GO build -o "$dir/scanreaper" ./reaper/internal/scanreaper
for p in nvm jenv pyenv; do
	$GO build -o "$dir/procman-plugin-$p" "./builtin-plugins/$p/cmd/procman-plugin-$p"
done
for pkg in sdk discovery internal/proctree platform platform/internal/cgroup reaper host supervisor acceptance; do
	$GO test -c -o "$dir/${pkg//\//-}.test" "./$pkg"
done
# Not in $dir itself, which tests put on PATH: procman would find it there.
mkdir "$dir/examples"
cp examples/python-plugin/procman-plugin-pygreeter "$dir/examples/"
chmod -R a+rX "$dir"
chmod 700 "$dir/t"

status=0
for pkg in sdk discovery internal/proctree platform platform/internal/cgroup reaper host supervisor acceptance; do
	echo "== $pkg, as uid 65534"
	(cd "$dir" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		env -i PATH=/usr/bin:/bin HOME="$dir" TMPDIR="$dir/t" \
		PROCMAN_BIN="$dir/procman" PROCMAN_TESTCHILD="$dir/testchild" PROCMAN_TESTEMBED="$dir/testembed" PROCMAN_TESTPLUGIN="$dir/testplugin" \
		PROCMAN_SCANREAPER="$dir/scanreaper" \
		PROCMAN_PLUGIN_NVM="$dir/procman-plugin-nvm" PROCMAN_PLUGIN_JENV="$dir/procman-plugin-jenv" \
		PROCMAN_PLUGIN_PYENV="$dir/procman-plugin-pyenv" PROCMAN_PYGREETER="$dir/examples/procman-plugin-pygreeter" \
		"./${pkg//\//-}.test" -test.count=1) || status=1
done
exit $status

#!/usr/bin/env bash
# Builds and vets procman for the systems this machine cannot run it on
# natively: macOS (arm64 and amd64), whose tests are compiled and linked
# but not run, and Windows, whose tests make test-windows runs under Wine.
# FreeBSD stands for the other unix systems, where Start is unsupported:
# it must still build.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for target in darwin/arm64 darwin/amd64 windows/amd64; do
	export GOOS=${target%/*} GOARCH=${target#*/}
	echo "== $target: build, vet"
	$GO build ./...
	$GO vet ./...
	$GO build -tags procman_lean -o /dev/null ./cmd/procman
	if [ "$GOOS" = darwin ]; then
		echo "== $target: the tests of every package compile and link"
		for pkg in $($GO list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./...); do
			$GO test -c -o "$out/$(echo "$pkg" | tr / -).test" "$pkg" >/dev/null
		done
		rm -f "$out"/*
	fi
done
echo "== freebsd/amd64: build"
GOOS=freebsd GOARCH=amd64 $GO build ./...

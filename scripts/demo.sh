#!/usr/bin/env bash
# procman's main job, shown: run a command that starts a small process tree,
# tell procman to stop, and check that nothing of the tree is left.
set -euo pipefail
procman=${1:-bin/procman}

echo "\$ procman run -- sh -c 'sleep 1000 & (sleep 1000 & wait) & wait'"
"$procman" run --grace 2s -- sh -c 'sleep 1000 & (sleep 1000 & wait) & wait' &
pm=$!

# The child leads its own process group; wait until the whole tree is there.
for _ in $(seq 100); do
	child=$(pgrep -P "$pm" || true)
	[ -n "$child" ] && [ "$(pgrep -g "$child" | wc -l)" -ge 4 ] && break
	sleep 0.05
done
echo "the tree procman started (process group $child):"
ps -o pid,ppid,pgid,args --forest -p "$(pgrep -d, -g "$child")"

echo "\$ kill -TERM $pm   # procman is told to stop"
kill -TERM "$pm"
status=0
wait "$pm" || status=$?
echo "procman exited with $status (128+15: the child was ended by SIGTERM)"

# Zombies are dead already (only waiting for their new parent to reap them).
left=$(ps -o pid=,stat= -p "$(pgrep -d, -g "$child" || echo 0)" | awk '$2 !~ /^Z/ {print $1}')
if [ -n "$left" ]; then
	echo "FAIL: processes survived: $left"
	exit 1
fi
echo "nothing of the tree survived"

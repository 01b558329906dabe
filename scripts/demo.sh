#!/usr/bin/env bash
# procman's main job, shown: run a command that starts a process tree and a
# daemon that escapes the way daemons do (setsid, then fork again), SIGKILL
# procman itself — nothing can catch that — and check that nothing of the
# tree is left.
set -euo pipefail
procman=${1:-bin/procman}

"$procman" version --verbose
echo

# Every process of the tree runs "sleep 100000 PID.N" (sleep adds up its
# arguments), so that we can find them
# (only to look at them: procman alone ends them).
tag="100000 $$"
script="setsid sh -c 'sleep $tag.1 & exit' </dev/null >/dev/null 2>&1; sleep $tag.2 & (sleep $tag.3 & wait) & wait"
echo "\$ procman run -- sh -c \"$script\" &"
"$procman" run --grace 2s -- sh -c "$script" &
pm=$!

tree() { pgrep -f "^sleep $tag\\." || true; }
for _ in $(seq 200); do
	[ "$(tree | wc -l)" -ge 3 ] && break
	sleep 0.05
done
echo "the tree procman started (the daemon has its own session):"
ps -o pid,ppid,sid,comm,args -p "$pm,$(tree | paste -sd,)"

echo "\$ kill -KILL $pm   # procman itself is killed, with no chance to clean up"
kill -KILL "$pm"
wait "$pm" 2>/dev/null || true
for _ in $(seq 100); do
	[ -z "$(tree)" ] && break
	sleep 0.01
done
# Zombies are dead already (only waiting for their new parent to reap them).
left=$(tree | while read -r pid; do ps -o pid=,stat= -p "$pid" | awk '$2 !~ /^Z/ {print $1}'; done)
if [ -n "$left" ]; then
	echo "FAIL: processes survived: $left"
	exit 1
fi
echo "nothing of the tree survived, not even the daemon"

package host_test

import (
	"context"
	"testing"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/sdk"
)

// TestStopEndsATreeThatForksAsItIsKilled: a program that ignores SIGTERM
// and forks without pause is stopped, and Stop returns once the tree is
// gone. A process killed as it forks leaves a child that the walk which
// killed it did not see: `procman run --grace 200ms` of such a program
// hung after its SIGTERM in most tries, the stop done, the tree never gone.
func TestStopEndsATreeThatForksAsItIsKilled(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t, host.WithStopGracePeriod(200*time.Millisecond))
	for round := 1; round <= 5; round++ {
		// Each subshell is a fork of sh, and so carries the marker ($0).
		h, _ := start(t, m, sdk.ProcessConfig{
			Command: "/bin/sh",
			Args:    []string{"-c", `trap '' TERM; while :; do (sleep 1000; :) & done`, marker},
			Dir:     t.TempDir(),
			Env:     map[string]string{"PATH": "/usr/bin:/bin"},
		})
		waitFor(t, func() bool { return len(proctest.Find(marker)) >= 100 })
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := m.Stop(ctx, h)
		cancel()
		if err != nil {
			t.Fatalf("round %d: Stop: %v; %d processes of the tree left", round, err, len(proctest.Find(marker)))
		}
		if pids := proctest.Find(marker); len(pids) != 0 {
			t.Fatalf("round %d: Stop returned while %d processes of the tree lived", round, len(pids))
		}
	}
}

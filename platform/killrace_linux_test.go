package platform

import (
	"syscall"
	"testing"
	"time"
)

// TestOneKillEndsAForkingTree: one SIGKILL request ends a tree whose
// processes fork as fast as they can. A process killed as it forks leaves
// a child that the walk which killed it did not see; had the init stopped
// after one walk, that child would live on, the init with it, and the
// tree would never be gone (procman run hung after its stop, with
// hundreds of such children, in most tries before the init walked again).
func TestOneKillEndsAForkingTree(t *testing.T) {
	eachMechanism(t, func(t *testing.T, s *Spawner) {
		for round := 1; round <= 10; round++ {
			p := spawnShell(t, s, `while :; do (sleep 1000; :) & done`)
			deadline := time.Now().Add(20 * time.Second)
			for {
				members, err := p.Members()
				if err != nil {
					t.Fatal(err)
				}
				if len(members) >= 100 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("round %d: the tree has %d processes after 20 s, want 100", round, len(members))
				}
				time.Sleep(time.Millisecond)
			}
			if err := p.SignalTree(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			select {
			case <-p.Gone():
			case <-time.After(20 * time.Second):
				members, _ := p.Members()
				t.Fatalf("round %d: %d processes of the tree outlived its SIGKILL by 20 s: %v", round, len(members), members)
			}
		}
	})
}

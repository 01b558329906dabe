//go:build linux

package acceptance

import (
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
)

// eachMechanism runs f with each containment mechanism this system (and
// this user) allows, skipping the others with the reason.
func eachMechanism(t *testing.T, f func(t *testing.T, mech host.Mechanism)) {
	for _, mech := range []host.Mechanism{host.PIDNamespace, host.Cgroup, host.Subreaper, host.ProcessGroup} {
		t.Run(mech.String(), func(t *testing.T) {
			if _, err := host.DetectContainment(mech); err != nil {
				t.Skip(err)
			}
			f(t, mech)
		})
	}
}

// waitDaemons waits for the "daemon PID" lines of testchild daemons N. The
// pids are those of the command's own PID namespace, if it has one: not
// ones to signal from here.
func waitDaemons(t *testing.T, p *running, n int) {
	t.Helper()
	seen := 0
	timeout := time.After(30 * time.Second)
	for seen < n {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("stdout ended after %d daemons; stderr:\n%s", seen, p.stderr)
			}
			if strings.HasPrefix(line, "daemon ") {
				seen++
			}
		case <-timeout:
			t.Fatalf("only %d daemons after 30s", seen)
		}
	}
}

// runDaemons runs "procman run FLAGS -- testchild daemons N CODE" under mech
// and waits until the daemons run. Under the process-group mechanism, which
// does not hold daemons, it skips the test.
func runDaemons(t *testing.T, mech host.Mechanism, flags []string, n int, code string) (*running, string) {
	t.Helper()
	if mech == host.ProcessGroup {
		t.Skip("a bare process group neither holds daemons nor outlives procman")
	}
	marker := proctest.Marker(t)
	args := slices.Concat([]string{"run", "--containment", mech.String()}, flags,
		[]string{"--", testchildBin, "daemons", strconv.Itoa(n), code, marker})
	p := start(t, procman(t, args...))
	waitDaemons(t, p, n)
	return p, marker
}

func TestKilledProcmanLeavesNothing(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		p, marker := runDaemons(t, mech, nil, 2, "stay")
		waitTree(t, p, marker, 3) // the program and two daemons
		p.signal(t, syscall.SIGKILL)
		p.cmd.Wait()
		if left := proctest.WaitGone(marker, 10*time.Second); len(left) > 0 {
			t.Errorf("%v survived procman's SIGKILL", left)
		}
	})
}

func TestRunStaysWhileADetachedTreeLives(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		p, marker := runDaemons(t, mech, nil, 1, "7")
		daemon := waitTree(t, p, marker, 1)[0] // the daemon: the program exited
		time.Sleep(100 * time.Millisecond)
		if proctest.State(p.cmd.Process.Pid) == 'Z' || proctest.State(p.cmd.Process.Pid) == 0 {
			t.Fatal("procman exited while the daemon lived")
		}
		syscall.Kill(daemon, syscall.SIGKILL) // the daemon ends by itself, as far as procman knows
		p.wantEnd(t, 7, marker)
	})
}

func TestExitWithMainStopsTheRest(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		p, marker := runDaemons(t, mech, []string{"--exit-with-main"}, 1, "7")
		p.wantEnd(t, 7, marker)
	})
}

func TestVersionVerboseReportsContainment(t *testing.T) {
	r := run(t, procman(t, "version", "--verbose"))
	r.wantExit(t, 0)
	c, err := host.DetectContainment(host.Automatic)
	if err != nil {
		t.Fatal(err)
	}
	if want := "containment: " + c.Mechanism.String(); !strings.Contains(r.stdout, want) {
		t.Errorf("procman version --verbose says\n%s\nwant a line %q", r.stdout, want)
	}
}

func TestUnknownContainmentIsAUsageError(t *testing.T) {
	r := run(t, procman(t, "run", "--containment", "jail", "--", "true"))
	r.wantExit(t, 2)
	r.wantOneLine(t, `procman run: invalid value "jail" for --containment: unknown containment mechanism "jail" (want one of automatic, process-group, subreaper, cgroup, pid-namespace, job-object)`)
}

// The longest grace period --grace takes is one every mechanism takes.
func TestMaximumGraceWorksWithEveryMechanism(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		marker := proctest.Marker(t)
		r := run(t, procman(t, "run", "--no-plugins", "--containment", mech.String(), "--grace", "24h", "--", testchildBin, "exit", "0", marker))
		r.wantExit(t, 0)
	})
}

func TestMinContainment(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		marker := proctest.Marker(t)
		// What is available passes, whether chosen or forced.
		r := run(t, procman(t, "run", "--no-plugins", "--min-containment", mech.String(), "--", testchildBin, "exit", "0", marker))
		r.wantExit(t, 0)
		r = run(t, procman(t, "run", "--no-plugins", "--containment", mech.String(), "--min-containment", mech.String(), "--", testchildBin, "exit", "0", marker))
		r.wantExit(t, 0)
		if mech == host.PIDNamespace {
			return
		}
		// Anything weaker than the minimum fails closed: nothing runs.
		stronger := (mech + 1).String()
		r = run(t, procman(t, "run", "--no-plugins", "--containment", mech.String(), "--min-containment", stronger, "--", testchildBin, "exit", "0", marker))
		r.wantExit(t, 125)
		r.wantOwnLine(t, "containment "+mech.String()+" is weaker than the required "+stronger)
	})
}

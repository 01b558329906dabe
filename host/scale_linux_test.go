package host_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
)

// TestThousandsOfTreesStopTogether stops 3,000 trees at once, each of which
// exits on SIGTERM: every one is reported Terminated by it, none
// unresponsive (a host that learns of exits late would kill trees already
// gone after the grace). The host holds one descriptor per tree.
func TestThousandsOfTreesStopTogether(t *testing.T) {
	const n = 3000
	if need, free := 3*n+1000, freePids(t); free < need {
		t.Skipf("%d trees need about %d pids; %d are free under kernel.pid_max", n, need, free)
	}
	marker := proctest.Marker(t)
	cfg := fifoWaiter(t, marker)
	m := host.New()
	defer m.Close(context.Background())
	if err := m.Warm(); err != nil {
		t.Fatal(err)
	}
	outcome := followEnds(m)

	before := countFDs(t)
	handles := make([]host.Handle, n)
	for i := range handles {
		h, err := m.Start(context.Background(), cfg)
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		handles[i] = h
	}
	// The Manager's own (the inits kept ready, the reaper's socket) are a
	// few; a second descriptor per tree would be thousands.
	if extra := countFDs(t) - before; extra > n+16 {
		t.Errorf("%d trees take %d descriptors of the host; want one each", n, extra)
	}

	var wg sync.WaitGroup
	for _, h := range handles {
		wg.Go(func() {
			if err := m.Stop(context.Background(), h); err != nil {
				t.Errorf("stop %v: %v", h, err)
			}
		})
	}
	wg.Wait()
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	ends, unresponsive := outcome()
	if len(ends) != n {
		t.Errorf("%d trees ended; want %d", len(ends), n)
	}
	wrong := 0
	for _, e := range ends {
		if s := e.Status; s.State != host.Terminated || s.Signal != syscall.SIGTERM || s.Unresponsive {
			if wrong++; wrong <= 3 {
				t.Errorf("%v; want terminated by SIGTERM", e)
			}
		}
	}
	if len(unresponsive) > 0 {
		t.Errorf("%d trees that exited on SIGTERM were reported unresponsive, first %v", len(unresponsive), unresponsive[0])
	}
}

// TestOneDescriptorPerTree: whatever the mechanism, a running tree costs
// the host one descriptor (the init's socket, or the program's pidfd).
func TestOneDescriptorPerTree(t *testing.T) {
	const n = 200
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		marker := proctest.Marker(t)
		cfg := fifoWaiter(t, marker)
		m := host.New(host.WithContainment(mech))
		defer m.Close(context.Background())
		if err := m.Warm(); err != nil {
			t.Fatal(err)
		}
		before := countFDs(t)
		for i := range n {
			if _, err := m.Start(context.Background(), cfg); err != nil {
				t.Fatalf("start %d: %v", i, err)
			}
		}
		if extra := countFDs(t) - before; extra > n+8 {
			t.Errorf("%d trees take %d descriptors of the host; want one each", n, extra)
		}
	})
}

// TestOutOfDescriptorsSaysWhichLimit fills a host whose descriptor limit
// is 256 with trees: the Start that finds none left fails with one line
// that names the limit and the count in use. (The reaper, which inherits
// the limit, keeps 64 descriptors spare: less would leave it none.)
func TestOutOfDescriptorsSaysWhichLimit(t *testing.T) {
	marker := proctest.Marker(t)
	cmd := exec.Command("/bin/sh", "-c", `ulimit -n 256 && exec "$0" "$@"`, testembed, "1s", testchild, "sleep")
	cmd.Env = append(os.Environ(), "PROCMAN_MARKER="+marker, "PROCMAN_TEST_FILL=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var lines []string
	for sc := bufio.NewScanner(out); sc.Scan(); {
		lines = append(lines, sc.Text())
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 3 || len(lines) != 2 {
		t.Fatalf("testembed exited %d (%v) saying %q; want 3 after ready and the failure", code, err, lines)
	}
	want := regexp.MustCompile(`^failed after (\d+): start \S+: out of file descriptors: (\d+) open, RLIMIT_NOFILE 256 \(ulimit -n\): .*too many open files$`)
	match := want.FindStringSubmatch(lines[1])
	if match == nil {
		t.Fatalf("failure %q; want it to match %v", lines[1], want)
	}
	started, _ := strconv.Atoi(match[1])
	open, _ := strconv.Atoi(match[2])
	if open < 250 || open > 256 {
		t.Errorf("%d descriptors said to be open at the limit of 256", open)
	}
	if started < 200 {
		t.Errorf("only %d trees fit under 256 descriptors", started)
	}
}

package host_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/sdk"
)

// BenchmarkScale starts n sleeping trees under one Manager with the
// default containment, then Closes it, for n = 1,000, 4,000 and 10,000. It
// reports the wall time of each phase and per process, the host's peak OS
// threads and its descriptors and RSS with every tree running, the PSS per
// process of the host and every procman-init and reaper, and how many trees
// were reported unresponsive (each tree exits at once on SIGTERM, so any is
// spurious). Each tree is one `cat` blocked opening a FIFO: a program of
// a few hundred KB that carries the test's marker.
func BenchmarkScale(b *testing.B) {
	for _, n := range []int{1000, 4000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				benchmarkScale(b, n)
			}
		})
	}
}

func benchmarkScale(b *testing.B, n int) {
	marker := proctest.Marker(b)
	cfg := fifoWaiter(b, marker)
	m := benchManager(b)
	c, err := m.Containment()
	if err != nil {
		b.Skip(err)
	}
	// A tree is its program and its procman-init, and a second process of
	// the init (its keeper, or the holder of its PID namespace) where no
	// cgroup holds the tree.
	perTree := 3
	if c.Mechanism == host.Cgroup {
		perTree = 2
	}
	if need, free := perTree*n+1000, freePids(b); free < need {
		m.Close(context.Background())
		b.Skipf("%d trees need about %d pids (%d a tree, and a margin); %d are free under kernel.pid_max", n, need, perTree, free)
	}
	if err := m.Warm(); err != nil {
		b.Fatal(err)
	}
	outcome := followEnds(m)
	peak := watchThreads()

	runtime.GC()
	rssBefore := procStatus(b, "self", "VmRSS")
	pssBefore := treePSS(b)
	t0 := time.Now()
	for i := range n {
		if _, err := m.Start(context.Background(), cfg); err != nil {
			m.Close(context.Background())
			b.Fatalf("start %d: %v", i, err)
		}
	}
	startWall := time.Since(t0)
	hostStart, execStart := startsAmong(b, m, cfg)
	runtime.GC()
	fds := countFDs(b)
	rss := procStatus(b, "self", "VmRSS") - rssBefore
	pss := treePSS(b) - pssBefore

	t0 = time.Now()
	if err := m.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	closeWall := time.Since(t0)
	ends, unresponsive := outcome()
	threads := peak()
	if len(ends) != n+25 { // and the 25 of startsAmong
		b.Errorf("%d trees ended; want %d", len(ends), n+25)
	}

	b.ReportMetric(startWall.Seconds(), "start-s")
	b.ReportMetric(float64(startWall.Microseconds())/float64(n), "start-µs/process")
	b.ReportMetric(closeWall.Seconds(), "close-s")
	b.ReportMetric(float64(closeWall.Microseconds())/float64(n), "close-µs/process")
	b.ReportMetric(float64(hostStart.Microseconds()), "host-start-at-n-µs")
	b.ReportMetric(float64(execStart.Microseconds()), "exec-start-at-n-µs")
	b.ReportMetric(float64(hostStart)/float64(execStart), "host/exec-at-n")
	b.ReportMetric(float64(threads), "peak-os-threads")
	b.ReportMetric(float64(fds)/float64(n), "host-fds/process")
	b.ReportMetric(float64(rss)/float64(n), "host-RSS-KB/process")
	b.ReportMetric(float64(pss)/float64(n), "PSS-KB/process")
	b.ReportMetric(float64(len(unresponsive)), "unresponsive")
	b.ReportMetric(float64(closeWall.Nanoseconds()), "ns/op")
}

// startsAmong returns the median time of a Start, and of a raw
// exec.Cmd.Start of the same program, with every tree of m running: both
// pay for the descriptors the process holds, which each fork copies and
// each exec closes.
func startsAmong(b *testing.B, m *host.Manager, cfg sdk.ProcessConfig) (hostStart, execStart time.Duration) {
	var hostTimes, execTimes []time.Duration
	for range 25 {
		hostTimes = append(hostTimes, timeStart(b, m, cfg))
		execTimes = append(execTimes, timeRawStart(b, cfg))
	}
	return median(hostTimes), median(execTimes)
}

// followEnds follows m's events from now on. The function it returns waits
// until m is closed and every tree gone, and returns the events that ended
// trees and those that reported one unresponsive.
func followEnds(m *host.Manager) func() (ends, unresponsive []host.Event) {
	events := m.Events(context.Background())
	var ends, unresponsive []host.Event
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range events {
			switch e.Kind {
			case host.EventUnresponsive:
				unresponsive = append(unresponsive, e)
			case host.EventExited, host.EventTerminated, host.EventFailed:
				ends = append(ends, e)
			}
		}
	}()
	return func() ([]host.Event, []host.Event) {
		<-done
		return ends, unresponsive
	}
}

// fifoWaiter is a config whose process blocks until it is signalled: cat
// opening a FIFO nobody writes to, named after marker so that the process
// carries it.
func fifoWaiter(t testing.TB, marker string) sdk.ProcessConfig {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, marker), 0o600); err != nil {
		t.Fatal(err)
	}
	return sdk.ProcessConfig{
		Command: "/bin/cat",
		Args:    []string{marker},
		Dir:     dir,
		Env:     map[string]string{"PATH": "/usr/bin:/bin"},
	}
}

// freePids returns how many more processes and threads the system can
// have under kernel.pid_max.
func freePids(b testing.TB) int {
	data, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		b.Fatal(err)
	}
	max, err := strconv.Atoi(string(bytes.TrimSpace(data)))
	if err != nil {
		b.Fatal(err)
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		b.Fatal(err)
	}
	used := 0
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err == nil {
			used++
		}
	}
	return max - used
}

// watchThreads samples the OS threads of this process every 5 ms until
// the returned function is called, which returns the most seen.
func watchThreads() func() int {
	var most atomic.Int64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			if n := threadCount(); n > most.Load() {
				most.Store(n)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() int {
		close(done)
		<-stopped
		return int(most.Load())
	}
}

func threadCount() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	_, rest, _ := bytes.Cut(data, []byte("\nThreads:"))
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	n, _ := strconv.ParseInt(string(bytes.TrimSpace(line)), 10, 64)
	return n
}

func countFDs(b testing.TB) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		b.Fatal(err)
	}
	return len(entries)
}

// treePSS sums the PSS, in kB, of this process and of procman's helper
// processes among its descendants (see helpersRSS).
func treePSS(b *testing.B) int {
	total := pssOf(b, "self")
	queue := childrenOf(os.Getpid())
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		comm, _ := os.ReadFile("/proc/" + itoa(pid) + "/comm")
		if name := string(bytes.TrimSpace(comm)); name == "procman-init" || name == "procman-reaper" {
			total += pssOf(b, itoa(pid))
			queue = append(queue, childrenOf(pid)...)
		}
	}
	return total
}

func pssOf(b *testing.B, pid string) int {
	data, err := os.ReadFile("/proc/" + pid + "/smaps_rollup")
	if err != nil {
		return 0 // exited meanwhile
	}
	_, rest, ok := bytes.Cut(data, []byte("\nPss:"))
	if !ok {
		b.Fatalf("no Pss in /proc/%s/smaps_rollup", pid)
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	var kb int
	if _, err := fmt.Sscanf(string(line), "%d kB", &kb); err != nil {
		b.Fatalf("/proc/%s/smaps_rollup: Pss:%s: %v", pid, line, err)
	}
	return kb
}

//go:build linux

package host_test

import (
	"context"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
)

// BenchmarkStart compares host.Start with a raw exec.Cmd.Start of the same
// program, alternating the two in one run so that both see the same
// machine. It reports both medians and their ratio; ns/op is host's median.
func BenchmarkStart(b *testing.B) {
	marker := proctest.Marker(b)
	m := benchManager(b)
	cfg := child(b, marker, "sleep")
	var hostTimes, execTimes []time.Duration
	for i := 0; b.Loop(); i++ {
		raw := func() {
			cmd := exec.Command(cfg.Command, cfg.Args...)
			cmd.Dir, cmd.Env = cfg.Dir, environList(cfg.Env)
			t0 := time.Now()
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			execTimes = append(execTimes, time.Since(t0))
			cmd.Process.Kill()
			cmd.Wait()
		}
		managed := func() {
			t0 := time.Now()
			h, err := m.Start(context.Background(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			hostTimes = append(hostTimes, time.Since(t0))
			m.Stop(context.Background(), h)
			m.Forget(h)
		}
		if i%2 == 0 {
			raw()
			managed()
		} else {
			managed()
			raw()
		}
	}
	reportRatio(b, "start", hostTimes, execTimes)
}

// BenchmarkStop compares host.Stop of a process that exits on SIGTERM with
// a raw Signal+Wait of the same program.
func BenchmarkStop(b *testing.B) {
	marker := proctest.Marker(b)
	m := benchManager(b)
	cfg := child(b, marker, "sleep")
	var hostTimes, execTimes []time.Duration
	for b.Loop() {
		cmd := exec.Command(cfg.Command, cfg.Args...)
		cmd.Dir, cmd.Env = cfg.Dir, environList(cfg.Env)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		h, err := m.Start(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		execTimes = append(execTimes, time.Since(t0))

		t0 = time.Now()
		if err := m.Stop(context.Background(), h); err != nil {
			b.Fatal(err)
		}
		hostTimes = append(hostTimes, time.Since(t0))
		m.Forget(h)
	}
	reportRatio(b, "stop", hostTimes, execTimes)
}

func benchManager(b *testing.B) *host.Manager {
	m := host.New(host.WithSignalHandling(false), host.WithLogger(hclog.NewNullLogger()))
	b.Cleanup(func() { m.Close(context.Background()) })
	return m
}

func environList(env map[string]string) []string {
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	return list
}

func reportRatio(b *testing.B, what string, hostTimes, execTimes []time.Duration) {
	hostMedian, execMedian := median(hostTimes), median(execTimes)
	b.ReportMetric(float64(hostMedian.Nanoseconds()), "ns/op")
	b.ReportMetric(float64(hostMedian.Microseconds()), "host-"+what+"-median-µs")
	b.ReportMetric(float64(execMedian.Microseconds()), "exec-"+what+"-median-µs")
	b.ReportMetric(float64(hostMedian)/float64(execMedian), "host/exec")
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	d = slices.Clone(d)
	slices.Sort(d)
	return d[len(d)/2]
}

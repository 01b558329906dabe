package host_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/sdk"
)

// treeMechanisms are the mechanisms that hold a tree under procman-init,
// which gives a program its user and limits.
var treeMechanisms = []host.Mechanism{host.Cgroup, host.Subreaper, host.PIDNamespace}

// eachTreeMechanism runs f as a sub-benchmark for each of treeMechanisms
// this machine allows, with a Manager using it. Limits need a cgroup,
// which only root may make here: as anyone else, it skips b.
func eachTreeMechanism(b *testing.B, f func(b *testing.B, m *host.Manager)) {
	if os.Geteuid() != 0 {
		b.Skip("limits need a cgroup, which only root may make here")
	}
	for _, mech := range treeMechanisms {
		b.Run(mech.String(), func(b *testing.B) {
			m := benchManager(b, host.WithContainment(mech))
			if _, err := m.Containment(); err != nil {
				b.Skip(err)
			}
			f(b, m)
		})
	}
}

// BenchmarkStartWithUserAndLimits compares a Start that runs the program
// as another user (as root) under three limits of a cgroup (memory, CPU,
// tasks) with the Start of the same program without them, alternating the
// two in one run. It reports both medians and their ratio.
func BenchmarkStartWithUserAndLimits(b *testing.B) {
	eachTreeMechanism(b, func(b *testing.B, m *host.Manager) {
		marker := proctest.Marker(b)
		plain := sdk.ProcessConfig{Command: "/bin/sh", Args: []string{"-c", "sleep 1000", marker}, Dir: "/",
			Env: map[string]string{"PATH": "/usr/bin:/bin"}}
		limited := plain.Clone()
		limited.User = "nobody"
		limited.Limits = sdk.Limits{Memory: 256 << 20, CPU: 1, Tasks: 100}
		start := func(cfg sdk.ProcessConfig) time.Duration { return timeStart(b, m, cfg) }
		var with, without []time.Duration
		for i := 0; b.Loop(); i++ {
			if i%2 == 0 {
				without = append(without, start(plain))
				with = append(with, start(limited))
			} else {
				with = append(with, start(limited))
				without = append(without, start(plain))
			}
		}
		b.ReportMetric(float64(median(with).Microseconds()), "with-user-and-limits-median-µs")
		b.ReportMetric(float64(median(without).Microseconds()), "without-median-µs")
		b.ReportMetric(float64(median(with))/float64(median(without)), "with/without")
		b.ReportMetric(float64(median(with).Nanoseconds()), "ns/op")
	})
}

// BenchmarkCPULimitShare reports the share of a CPU that two busy
// processes get together, for 2 s, under a limit of half a CPU: the tree's
// CPU time over the wall time.
func BenchmarkCPULimitShare(b *testing.B) {
	eachTreeMechanism(b, func(b *testing.B, m *host.Manager) {
		cfg := sdk.ProcessConfig{Command: "/usr/bin/python3", Args: []string{"-c", proctest.BusyPython}, Dir: "/",
			Env: map[string]string{"PATH": "/usr/bin:/bin"}, Limits: sdk.Limits{CPU: 0.5}}
		var share float64
		for b.Loop() {
			t0 := time.Now()
			h, err := m.Start(context.Background(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			st, err := m.Wait(context.Background(), h)
			if err != nil {
				b.Fatal(err)
			}
			share = st.CPUTime.Seconds() / time.Since(t0).Seconds()
			m.Forget(h)
		}
		b.ReportMetric(share, "cpus-used")
		b.ReportMetric(0.5, "cpus-limit")
	})
}

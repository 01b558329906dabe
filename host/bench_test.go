//go:build linux

package host_test

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/sdk"
	"golang.org/x/sys/unix"
)

// benchMechanisms are the mechanisms benchmarks compare: the default
// (Automatic, reported as "automatic") first, then each one forced.
var benchMechanisms = append([]host.Mechanism{host.Automatic}, mechanisms...)

// BenchmarkStart compares host.Start under each containment mechanism with
// a raw exec.Cmd.Start of the same program, alternating the two in one run
// so that both see the same machine, with a small heap and with a 1 GB one
// (a spawn that forks the whole host would grow with it). It reports both
// medians and their ratio; ns/op is host's median.
func BenchmarkStart(b *testing.B) {
	for _, heap := range []int{0, 1 << 30} {
		for _, mech := range benchMechanisms {
			name := mech.String() + "/heap=small"
			if heap > 0 {
				name = mech.String() + "/heap=1GB"
			}
			b.Run(name, func(b *testing.B) {
				m := benchManager(b, host.WithContainment(mech))
				if _, err := m.Containment(); err != nil {
					b.Skip(err)
				}
				ballast := make([]byte, heap)
				for i := 0; i < len(ballast); i += 4096 {
					ballast[i] = 1 // resident, as a real heap would be
				}
				benchmarkStart(b, m)
				runtime.KeepAlive(ballast)
			})
		}
	}
}

func benchmarkStart(b *testing.B, m *host.Manager) {
	marker := proctest.Marker(b)
	cfg := child(b, marker, "sleep")
	var hostTimes, execTimes []time.Duration
	for i := 0; b.Loop(); i++ {
		raw := func() { execTimes = append(execTimes, timeRawStart(b, cfg)) }
		managed := func() { hostTimes = append(hostTimes, timeStart(b, m, cfg)) }
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

// timeStart returns how long m.Start of cfg took; the process is stopped
// and forgotten after.
func timeStart(b *testing.B, m *host.Manager, cfg sdk.ProcessConfig) time.Duration {
	t0 := time.Now()
	h, err := m.Start(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	took := time.Since(t0)
	m.Stop(context.Background(), h)
	m.Forget(h)
	return took
}

// timeRawStart returns how long a raw exec.Cmd.Start of cfg's program
// took; the process is killed and waited for after.
func timeRawStart(b *testing.B, cfg sdk.ProcessConfig) time.Duration {
	cmd := exec.Command(cfg.Command, cfg.Args...)
	cmd.Dir, cmd.Env = cfg.Dir, environList(cfg.Env)
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	took := time.Since(t0)
	cmd.Process.Kill()
	cmd.Wait()
	return took
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

func benchManager(b *testing.B, opts ...host.Option) *host.Manager {
	opts = append([]host.Option{host.WithLogger(hclog.NewNullLogger())}, opts...)
	m := host.New(opts...)
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

// BenchmarkStartWithPlugins compares Start through three applicable,
// already running plugin executables with Start through none, alternating
// the two, and reports the overhead per plugin.
func BenchmarkStartWithPlugins(b *testing.B) {
	marker := proctest.Marker(b)
	dir := proctest.InstallPlugins(b, testplugin, "chain-a", "chain-b", "chain-c")
	plain := benchManager(b)
	plugged := benchManager(b, host.WithPluginSearchPath(dir, ""))
	cfg := child(b, marker, "sleep")
	startStop := func(m *host.Manager) time.Duration { return timeStart(b, m, cfg) }
	startStop(plugged) // warm: the plugins are started by the first Start
	var with, without []time.Duration
	for b.Loop() {
		with = append(with, startStop(plugged))
		without = append(without, startStop(plain))
	}
	perPlugin := (median(with) - median(without)) / 3
	b.ReportMetric(float64(median(with).Microseconds()), "with-3-plugins-median-µs")
	b.ReportMetric(float64(median(without).Microseconds()), "without-median-µs")
	b.ReportMetric(float64(perPlugin.Microseconds()), "µs/warm-plugin")
	b.ReportMetric(float64(median(with).Nanoseconds()), "ns/op")
}

// BenchmarkFirstStartWithPlugins measures the first Start of a new Manager
// that finds three plugin executables: discovery, three launches in
// parallel, and the chain.
func BenchmarkFirstStartWithPlugins(b *testing.B) {
	marker := proctest.Marker(b)
	dir := proctest.InstallPlugins(b, testplugin, "chain-a", "chain-b", "chain-c")
	cfg := child(b, marker, "sleep")
	var firsts []time.Duration
	for b.Loop() {
		m := host.New(host.WithLogger(hclog.NewNullLogger()), host.WithPluginSearchPath(dir, ""))
		t0 := time.Now()
		h, err := m.Start(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		firsts = append(firsts, time.Since(t0))
		if report, _ := m.Report(h); len(report.Steps) != 3 || len(report.Warnings()) != 0 {
			b.Fatalf("report = %+v", report)
		}
		m.Close(context.Background())
	}
	b.ReportMetric(float64(median(firsts).Microseconds()), "first-start-median-µs")
	b.ReportMetric(float64(median(firsts).Nanoseconds()), "ns/op")
}

// BenchmarkManyProcesses starts 2,000 sleeping processes under one Manager
// per containment mechanism and reports the host's OS threads, the host's
// extra memory per process (RSS, after a GC), and the summed RSS per
// process of the host's growth and of every procman-init and the reaper.
func BenchmarkManyProcesses(b *testing.B) {
	const n = 2000
	for _, mech := range benchMechanisms {
		b.Run(mech.String(), func(b *testing.B) {
			marker := proctest.Marker(b)
			cfg := child(b, marker, "sleep")
			for b.Loop() {
				m := benchManager(b, host.WithContainment(mech))
				if _, err := m.Containment(); err != nil {
					b.Skip(err)
				}
				runtime.GC()
				rssBefore := procStatus(b, "self", "VmRSS")
				helpersBefore := helpersRSS(b)
				for range n {
					if _, err := m.Start(context.Background(), cfg); err != nil {
						b.Fatal(err)
					}
				}
				runtime.GC()
				hostKB := procStatus(b, "self", "VmRSS") - rssBefore
				helpersKB := helpersRSS(b) - helpersBefore
				b.ReportMetric(float64(procStatus(b, "self", "Threads")), "os-threads")
				b.ReportMetric(float64(hostKB)/n, "host-KB/process")
				b.ReportMetric(float64(helpersKB)/n, "init+reaper-KB/process")
				b.ReportMetric(float64(hostKB+helpersKB)/n, "total-KB/process")
				if err := m.Close(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// helpersRSS sums the RSS, in kB, of procman's helper processes (every
// procman-init and procman-reaper) among this process's descendants.
func helpersRSS(b *testing.B) int {
	total := 0
	queue := childrenOf(os.Getpid())
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		comm, _ := os.ReadFile("/proc/" + itoa(pid) + "/comm")
		if name := strings.TrimSpace(string(comm)); name == "procman-init" || name == "procman-reaper" {
			total += procStatus(b, itoa(pid), "VmRSS")
			queue = append(queue, childrenOf(pid)...)
		}
	}
	return total
}

// BenchmarkHostKillToLastGone SIGKILLs a program embedding host, under each
// containment mechanism that survives it, and measures the time until the
// last process of its trees (a three-level tree and two daemons) is gone.
func BenchmarkHostKillToLastGone(b *testing.B) {
	for _, mech := range mechanisms {
		b.Run(mech.String(), func(b *testing.B) {
			if _, err := host.DetectContainment(mech); err != nil {
				b.Skip(err)
			}
			if !survivesHostKill(mech) {
				b.Skip("a bare process group has nobody left to stop it")
			}
			var times []time.Duration
			for b.Loop() {
				marker := proctest.Marker(b)
				cmd := embedder(b, mech, marker)
				pids := waitTrees(b, marker)
				var fds []unix.PollFd
				for _, pid := range pids {
					fd, err := unix.PidfdOpen(pid, 0)
					if err != nil {
						b.Fatal(err)
					}
					fds = append(fds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
				}
				t0 := time.Now()
				cmd.Process.Signal(syscall.SIGKILL)
				for left := len(fds); left > 0; {
					if _, err := unix.Poll(fds, 10_000); err != nil && err != unix.EINTR {
						b.Fatal(err)
					}
					left = 0
					for i := range fds {
						if fds[i].Revents == 0 {
							left++
						}
						fds[i].Events = unix.POLLIN
					}
					if time.Since(t0) > 20*time.Second {
						b.Fatalf("tree not gone 20s after the host's SIGKILL")
					}
				}
				times = append(times, time.Since(t0))
				for _, fd := range fds {
					unix.Close(int(fd.Fd))
				}
				cmd.Wait()
			}
			b.ReportMetric(float64(median(times).Microseconds())/1000, "ms-to-last-gone")
			b.ReportMetric(float64(median(times).Nanoseconds()), "ns/op")
		})
	}
}

// procStatus returns a number field of /proc/PID/status (kB for sizes);
// pid may be "self".
func procStatus(b *testing.B, pid, field string) int {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if value, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.Atoi(strings.Fields(value)[0])
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatalf("no %s in /proc/%s/status", field, pid)
	return 0
}

package reaper

import (
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
	"golang.org/x/sys/unix"
)

// BenchmarkProtectProcess measures one registration, a round trip to the
// reaper process.
func BenchmarkProtectProcess(b *testing.B) {
	r, p := benchReaper(b)
	regs := make([]*Registration, 0, 1000)
	release := func() {
		for _, reg := range regs {
			if err := reg.Release(); err != nil {
				b.Fatal(err)
			}
		}
		regs = regs[:0]
	}
	b.ResetTimer()
	for range b.N {
		reg, err := r.ProtectProcess(p.pid, p.start, time.Second)
		if err != nil {
			b.Fatal(err)
		}
		if regs = append(regs, reg); len(regs) == cap(regs) {
			b.StopTimer()
			release()
			b.StartTimer()
		}
	}
	b.StopTimer()
	release()
}

// BenchmarkRelease measures unregistering, with up to 1,000 registrations
// held.
func BenchmarkRelease(b *testing.B) {
	r, p := benchReaper(b)
	const batch = 1000
	var regs []*Registration
	b.ResetTimer()
	for i := range b.N {
		if len(regs) == 0 {
			b.StopTimer()
			for range min(batch, b.N-i) {
				reg, err := r.ProtectProcess(p.pid, p.start, time.Second)
				if err != nil {
					b.Fatal(err)
				}
				regs = append(regs, reg)
			}
			b.StartTimer()
		}
		if err := regs[0].Release(); err != nil {
			b.Fatal(err)
		}
		regs = regs[1:]
	}
}

func benchReaper(b *testing.B) (*Reaper, process) {
	r := startReaper(b, Options{})
	own := startOwnChild(b, proctest.Marker(b), "sleep")
	return r, identify(b, own.Process.Pid)
}

// BenchmarkHostDeath measures, from the SIGKILL of a host with 10 or 2,000
// protected processes, how long until the last is gone (reported as
// ms-to-all-gone; ns/op includes starting them). Processes that die on
// SIGTERM go at once; those that ignore it share one grace period.
// Run it with -benchtime=1x.
func BenchmarkHostDeath(b *testing.B) {
	for _, n := range []int{10, 2000} {
		b.Run(strconv.Itoa(n)+"-die-on-SIGTERM", func(b *testing.B) {
			benchHostDeath(b, n, time.Second, "/bin/sleep", "1000")
		})
	}
	b.Run("2000-ignore-SIGTERM-200ms-grace", func(b *testing.B) {
		benchHostDeath(b, 2000, 200*time.Millisecond, "/bin/sh", "-c", `trap "" TERM; exec sleep 1000`)
	})
}

func benchHostDeath(b *testing.B, n int, grace time.Duration, program ...string) {
	var total time.Duration
	for range b.N {
		h := startHost(b, proctest.Marker(b), hostOptions{})
		f := h.do(append([]string{"spawn-exec", strconv.Itoa(n), ms(grace)}, program...)...)
		pidfds := make([]unix.PollFd, 0, n)
		for _, s := range f {
			fd, err := unix.PidfdOpen(atoi(b, s), 0)
			if err != nil {
				b.Fatal(err)
			}
			pidfds = append(pidfds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
		}
		if program[0] == "/bin/sh" { // wait for the traps to be set
			for _, s := range f {
				proctest.WaitIgnoring(b, atoi(b, s), syscall.SIGTERM, 10*time.Second)
			}
		}
		killed := time.Now()
		h.kill()
		left := waitAll(pidfds, 10*time.Second)
		total += time.Since(killed)
		for _, p := range left {
			unix.PidfdSendSignal(int(p.Fd), unix.SIGKILL, nil, 0)
		}
		for _, p := range pidfds {
			unix.Close(int(p.Fd))
		}
		if len(left) > 0 {
			b.Fatalf("%d of %d protected processes outlived their host by 10s", len(left), n)
		}
	}
	b.ReportMetric(total.Seconds()*1000/float64(b.N), "ms-to-all-gone")
}

// waitAll waits until every pidfd is readable (its process has exited)
// and returns those that are not by the timeout.
func waitAll(pidfds []unix.PollFd, timeout time.Duration) []unix.PollFd {
	left := append([]unix.PollFd(nil), pidfds...)
	for deadline := time.Now().Add(timeout); len(left) > 0 && time.Now().Before(deadline); {
		if _, err := unix.Poll(left, 10); err != nil && err != unix.EINTR {
			break
		}
		kept := left[:0]
		for _, p := range left {
			if p.Revents == 0 {
				kept = append(kept, p)
			}
		}
		left = kept
	}
	return left
}

//go:build linux

package cgroup

import (
	"syscall"
	"testing"
)

// BenchmarkStartTrue measures what a cgroup adds to starting a process:
// "plain" starts /bin/true and waits for it; "cgroup" also creates a
// cgroup, starts /bin/true into it and removes the cgroup afterwards.
func BenchmarkStartTrue(b *testing.B) {
	g := newTestGroup(b)
	startTrue := func(b *testing.B, sys *syscall.SysProcAttr) {
		pid, err := syscall.ForkExec(probeProgram, []string{probeProgram}, &syscall.ProcAttr{Sys: sys})
		if err != nil {
			b.Fatal(err)
		}
		var status syscall.WaitStatus
		if _, err := syscall.Wait4(pid, &status, 0, nil); err != nil || status.ExitStatus() != 0 {
			b.Fatalf("%s: %v, %v", probeProgram, status, err)
		}
	}
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			startTrue(b, nil)
		}
	})
	b.Run("cgroup", func(b *testing.B) {
		for b.Loop() {
			c, err := g.New()
			if err != nil {
				b.Fatal(err)
			}
			startTrue(b, &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: c.FD()})
			if err := c.Remove(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

package proctree

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// BenchmarkScan measures one scan of a tagged family (a sleeping program)
// through SystemTable, which is what a tree costs at each kqueue event and
// each second's rescan on macOS, against its baseline: one read of the
// table (Procs) alone. The processes of the machine are reported as
// procs/op.
func BenchmarkScan(b *testing.B) {
	tag := Tag("bench_" + randomHex())
	cmd := exec.Command("sleep", "600")
	cmd.Env = []string{"PATH=/usr/bin:/bin", tag}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	table := SystemTable()
	root := Proc{Pid: cmd.Process.Pid}
	procs, err := table.Procs()
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range procs {
		if p.Pid == root.Pid {
			root = p
		}
	}

	b.Run("Procs", func(b *testing.B) {
		for b.Loop() {
			if _, err := table.Procs(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(procs)), "procs/op")
	})
	b.Run("Scan", func(b *testing.B) {
		f := New(root.ID(), uint32(os.Getuid()), tag)
		for b.Loop() {
			members, err := f.Scan(table)
			if err != nil || len(members) != 1 {
				b.Fatalf("scan: %v, %v", members, err)
			}
		}
		b.ReportMetric(float64(len(procs)), "procs/op")
	})
}

package platform

import (
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// BenchmarkStart starts a program — this binary in mode "exit 0" — with
// Start, in a job of its own, and waits until its tree is gone. ns/op is
// the whole run, from the start to the end; median-start-µs is the Start
// call alone. BenchmarkExecCmdStart does the same with a raw
// exec.Cmd.Start: scripts/bench-windows.sh (make bench-windows) runs both
// in one go test run and prints their ratio.
func BenchmarkStart(b *testing.B) {
	spec := benchSpec(b)
	var starts []time.Duration
	for b.Loop() {
		t0 := time.Now()
		p, err := Start(spec)
		if err != nil {
			b.Fatal(err)
		}
		starts = append(starts, time.Since(t0))
		if status, err := p.Wait(); err != nil || status != (ExitStatus{}) {
			b.Fatalf("Wait() = %v, %v", status, err)
		}
		<-p.Gone()
		if err := p.Release(); err != nil {
			b.Fatal(err)
		}
	}
	reportMedianStart(b, starts)
}

// BenchmarkExecCmdStart is BenchmarkStart with os/exec: the same program,
// started by exec.Cmd.Start and waited for by exec.Cmd.Wait.
func BenchmarkExecCmdStart(b *testing.B) {
	spec := benchSpec(b)
	var starts []time.Duration
	for b.Loop() {
		cmd := exec.Command(spec.Path)
		cmd.Env = spec.Env
		cmd.Stdin, cmd.Stdout, cmd.Stderr = spec.Stdin, spec.Stdout, spec.Stderr
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		starts = append(starts, time.Since(t0))
		if err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
	}
	reportMedianStart(b, starts)
}

// benchSpec is the Spec of this binary in mode "exit 0", its stdio the
// null device.
func benchSpec(b *testing.B) Spec {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { null.Close() })
	return Spec{Path: exe, Args: []string{exe}, Env: childEnv("exit 0"), Stdin: null, Stdout: null, Stderr: null}
}

func reportMedianStart(b *testing.B, starts []time.Duration) {
	slices.Sort(starts)
	b.ReportMetric(float64(starts[len(starts)/2].Microseconds()), "median-start-µs")
}

//go:build linux

package acceptance

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
)

// BenchmarkColdStart measures, end to end and in one run, a fresh procman
// running /bin/true: with no plugin (--no-plugins); as installed, with its
// three built-in plugins run in its own process; and with the three built
// as executables and found on PROCMAN_PLUGIN_PATH, each then a process of
// its own; against env -i /bin/true. Every procman has this machine's
// environment, so the built-ins act as they would for its user (here,
// pyenv applies: /root/.pyenv selects a version). The runs are
// interleaved, so that the machine's state weighs on each alike; it
// reports the medians and the ratios the targets are stated in.
func BenchmarkColdStart(b *testing.B) {
	dir := proctest.TrustedDir(b)
	for _, name := range []string{"nvm", "jenv", "pyenv"} {
		if _, err := proctest.Build(dir, "github.com/procman-dev/procman/builtin-plugins/"+name+"/cmd/procman-plugin-"+name, "procman-plugin-"+name); err != nil {
			b.Fatal(err)
		}
	}
	noExecutables := append(os.Environ(), "PROCMAN_PLUGIN_PATH=")
	executables := append(os.Environ(), "PROCMAN_PLUGIN_PATH="+dir)
	check := exec.Command(procmanBin, "plugins")
	check.Env = executables
	if out, err := check.CombinedOutput(); err != nil || strings.Count(string(out), " ok ") < 3 || strings.Count(string(out), "shadowed") < 3 {
		b.Fatalf("procman plugins with the built-ins on PROCMAN_PLUGIN_PATH: %v\n%s", err, out)
	}
	runs := []struct {
		name  string
		cmd   []string
		env   []string
		times []time.Duration
	}{
		{name: "env-i", cmd: []string{"env", "-i", "/bin/true"}},
		{name: "procman", cmd: []string{procmanBin, "run", "--no-plugins", "--", "/bin/true"}, env: noExecutables},
		{name: "procman-builtins", cmd: []string{procmanBin, "run", "--", "/bin/true"}, env: noExecutables},
		{name: "procman-plugin-executables", cmd: []string{procmanBin, "run", "--", "/bin/true"}, env: executables},
	}
	for b.Loop() {
		for i := range runs {
			r := &runs[i]
			cmd := exec.Command(r.cmd[0], r.cmd[1:]...)
			cmd.Env = r.env
			start := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%q: %v\n%s", r.cmd, err, out)
			}
			r.times = append(r.times, time.Since(start))
		}
	}
	med := func(d []time.Duration) time.Duration {
		d = slices.Clone(d)
		slices.Sort(d)
		return d[len(d)/2]
	}
	base, bare, builtins, executablesTime := med(runs[0].times), med(runs[1].times), med(runs[2].times), med(runs[3].times)
	b.ReportMetric(float64(bare.Nanoseconds()), "ns/op")
	b.ReportMetric(float64(base.Microseconds()), "env-i-median-µs")
	b.ReportMetric(float64(bare.Microseconds()), "procman-median-µs")
	b.ReportMetric(float64(builtins.Microseconds()), "procman-builtins-median-µs")
	b.ReportMetric(float64(executablesTime.Microseconds()), "procman-plugin-executables-median-µs")
	b.ReportMetric(float64(bare)/float64(base), "procman/env-i")
	b.ReportMetric(float64(builtins-bare)/float64(time.Millisecond), "builtins-extra-ms")
	b.ReportMetric(float64(executablesTime-bare)/float64(time.Millisecond), "plugin-executables-extra-ms")
}

// BenchmarkUp measures, in one run, how long procman up of a project of 20
// trivial processes (each prints a line, then sleeps) takes until the first
// line of every process is seen, against a shell script starting the same
// 20 commands with &: with no plugin, and with the built-in ones. Stopping
// is not timed. It reports the medians and their ratio.
func BenchmarkUp(b *testing.B) {
	const n = 20
	dir := b.TempDir()
	var yaml, script strings.Builder
	yaml.WriteString("processes:\n")
	for i := range n {
		cmd := fmt.Sprintf("echo ready %d; exec sleep 600", i)
		fmt.Fprintf(&yaml, "  p%02d:\n    command: [/bin/sh, -c, %q]\n", i, cmd)
		fmt.Fprintf(&script, "/bin/sh -c %q &\n", cmd)
	}
	script.WriteString("wait\n")
	file := filepath.Join(dir, "procman.yaml")
	if err := os.WriteFile(file, []byte(yaml.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	runs := []struct {
		name  string
		args  []string
		times []time.Duration
	}{
		{name: "shell", args: []string{"/bin/sh", "-c", script.String()}},
		{name: "procman-up", args: []string{procmanBin, "up", "--no-plugins", "-f", file}},
		{name: "procman-up-builtins", args: []string{procmanBin, "up", "-f", file}},
	}
	for b.Loop() {
		for i := range runs {
			r := &runs[i]
			r.times = append(r.times, timeFirstLines(b, r.args, n))
		}
	}
	med := func(d []time.Duration) time.Duration {
		d = slices.Clone(d)
		slices.Sort(d)
		return d[len(d)/2]
	}
	shell, up, builtins := med(runs[0].times), med(runs[1].times), med(runs[2].times)
	b.ReportMetric(float64(up.Nanoseconds()), "ns/op")
	b.ReportMetric(float64(shell.Microseconds()), "shell-median-µs")
	b.ReportMetric(float64(up.Microseconds()), "up-median-µs")
	b.ReportMetric(float64(builtins.Microseconds()), "up-builtins-median-µs")
	b.ReportMetric(float64(up)/float64(shell), "up/shell")
	b.ReportMetric(float64(builtins)/float64(shell), "up-builtins/shell")
}

// timeFirstLines starts args in a process group of its own, times it until
// n lines holding "ready" are seen on its stdout, then ends it: procman up
// by SIGTERM, a shell script by SIGKILL of its group.
func timeFirstLines(b *testing.B, args []string, n int) time.Duration {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	seen := 0
	sc := bufio.NewScanner(out)
	for seen < n && sc.Scan() {
		if strings.Contains(sc.Text(), "ready") {
			seen++
		}
	}
	elapsed := time.Since(start)
	if seen < n {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		b.Fatalf("%q: %d lines of %d", args, seen, n)
	}
	if args[0] == procmanBin {
		cmd.Process.Signal(syscall.SIGTERM)
	} else {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	go io.Copy(io.Discard, out)
	cmd.Wait()
	return elapsed
}

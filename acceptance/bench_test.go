//go:build linux

package acceptance

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
)

// BenchmarkColdStart measures, end to end and in one run, a fresh procman
// running /bin/true: with no plugin, and with the three built-in plugins
// found on PROCMAN_PLUGIN_PATH (each applicable to nothing here, as for a
// command none of them manages), against env -i /bin/true. The three are
// interleaved, so that the machine's state weighs on each alike; it
// reports the medians and the ratios the targets are stated in.
func BenchmarkColdStart(b *testing.B) {
	dir := proctest.TrustedDir(b)
	for _, name := range []string{"nvm", "jenv", "pyenv"} {
		if _, err := proctest.Build(dir, "github.com/procman-dev/procman/builtin-plugins/"+name, "procman-plugin-"+name); err != nil {
			b.Fatal(err)
		}
	}
	env := append(os.Environ(), "PROCMAN_PLUGIN_PATH="+dir)
	check := exec.Command(procmanBin, "plugins")
	check.Env = env
	if out, err := check.CombinedOutput(); err != nil || strings.Count(string(out), " ok ") < 3 {
		b.Fatalf("procman plugins with the built-ins on PROCMAN_PLUGIN_PATH: %v\n%s", err, out)
	}
	runs := []struct {
		name  string
		cmd   []string
		env   []string
		times []time.Duration
	}{
		{name: "env-i", cmd: []string{"env", "-i", "/bin/true"}},
		{name: "procman", cmd: []string{procmanBin, "run", "--no-plugins", "--", "/bin/true"}},
		{name: "procman-3-plugins", cmd: []string{procmanBin, "run", "--", "/bin/true"}, env: env},
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
	base, bare, plugged := med(runs[0].times), med(runs[1].times), med(runs[2].times)
	b.ReportMetric(float64(bare.Nanoseconds()), "ns/op")
	b.ReportMetric(float64(base.Microseconds()), "env-i-median-µs")
	b.ReportMetric(float64(bare.Microseconds()), "procman-median-µs")
	b.ReportMetric(float64(plugged.Microseconds()), "procman-3-plugins-median-µs")
	b.ReportMetric(float64(bare)/float64(base), "procman/env-i")
	b.ReportMetric(float64(plugged-bare)/float64(time.Millisecond), "3-plugins-extra-ms")
}

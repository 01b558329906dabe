package host_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/sdk"
)

// escalator is a plugin that makes change to every config, and sets a
// variable, which it may.
type escalator struct{ change func(*sdk.ProcessConfig) }

func (escalator) Info() sdk.Info { return sdk.Info{Name: "escalator", Version: "1"} }

func (escalator) Applicable(context.Context, sdk.ProcessConfig) (bool, error) { return true, nil }

func (e escalator) Enhance(_ context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	cfg.Env["ESCALATED"] = "1"
	e.change(&cfg)
	return cfg, nil
}

func TestPluginsMayNotChangeUserOrLimits(t *testing.T) {
	nice := 5
	cfg := sdk.ProcessConfig{Command: "/bin/true", Dir: "/", Env: map[string]string{},
		Limits: sdk.Limits{Memory: 64 << 20, Nice: &nice, Rlimits: []sdk.Rlimit{{Resource: "NOFILE", Soft: 64, Hard: 64}}}}
	for _, tt := range []struct {
		field  string
		change func(*sdk.ProcessConfig)
	}{
		{"User", func(c *sdk.ProcessConfig) { c.User = "root" }},
		{"Group", func(c *sdk.ProcessConfig) { c.Group = "0" }},
		{"NoNewPrivileges", func(c *sdk.ProcessConfig) { c.NoNewPrivileges = true }},
		{"Limits", func(c *sdk.ProcessConfig) { c.Limits.Memory = 0 }},
		{"Limits", func(c *sdk.ProcessConfig) { *c.Limits.Nice = -20 }},
		{"Limits", func(c *sdk.ProcessConfig) { c.Limits.Rlimits[0].Hard = sdk.RlimInfinity }},
	} {
		// Not even a host that lets plugins change every field lets them
		// change these.
		m := newManager(t, host.WithPlugin(escalator{tt.change}), host.WithPluginFields(^host.Field(0)))
		got, report, err := m.Explain(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(report.Steps) != 1 || !strings.Contains(report.Steps[0].Warning, "result changes "+tt.field+", which only the host's configuration may set") {
			t.Errorf("%s: steps %+v, want the change dropped with a warning", tt.field, report.Steps)
		}
		if _, escalated := got.Env["ESCALATED"]; escalated || got.User != "" || got.NoNewPrivileges || !got.Limits.Equal(cfg.Limits) || nice != 5 {
			t.Errorf("%s: the plugin's change was kept: %+v", tt.field, got)
		}
	}

	// A plugin that leaves them alone keeps its change.
	m := newManager(t, host.WithPlugin(escalator{func(*sdk.ProcessConfig) {}}))
	got, report, err := m.Explain(context.Background(), cfg)
	if err != nil || report.Steps[0].Warning != "" || got.Env["ESCALATED"] != "1" || !got.Limits.Equal(cfg.Limits) {
		t.Errorf("Explain = %+v, %+v, %v; want the plugin's variable, and the limits as given", got, report.Steps, err)
	}
}

func TestStatusCountsOOMKills(t *testing.T) {
	m := newManager(t)
	cfg := sdk.ProcessConfig{Command: "/usr/bin/python3", Args: []string{"-c", `x = b"x" * (100 << 20)`}, Dir: "/",
		Env: map[string]string{"PATH": "/usr/bin:/bin"}, Limits: sdk.Limits{Memory: 32 << 20}}
	h, err := m.Start(context.Background(), cfg)
	if os.Geteuid() != 0 {
		var se *host.StartError
		if !errors.As(err, &se) || se.Fault != host.HostFault || !strings.Contains(err.Error(), "limits: no cgroup can hold the memory limit") {
			t.Fatalf("Start with a memory limit as uid %d = %v, want a host fault saying no cgroup can hold it", os.Geteuid(), err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := m.Wait(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != host.Terminated || st.Signal != syscall.SIGKILL || st.OOMKills != 1 || !st.OOMKilled() {
		t.Errorf("Status %+v (OOMKilled %v), want the program killed by the OOM killer, once", st, st.OOMKilled())
	}
}

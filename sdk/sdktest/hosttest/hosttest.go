// Package hosttest runs a plugin executable, built beforehand, through a
// real procman host: what package sdktest, which runs the plugin's code in
// the test binary, leaves out.
package hosttest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/discovery"
	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/lines/linestest"
	"github.com/procman-dev/procman/sdk"
)

// Run runs the plugin executable at path, built beforehand (it
// builds nothing), through a real procman host, once for each of cases:
// everything Connect and Conformance leave out is exercised too, sdk.Serve,
// the handshake, the lifeline, the host's checks of the file and of its
// directory, its field policy, deadlines and validation. The host is
// procman's, running only this plugin, as procman run would: discovery
// from path's directory (which, with every directory above it, must
// belong to root or to the user running the test and be writable by
// nobody else: not /tmp), default deadlines and fields (AllowChanges
// widens them, as sdktest.AllowChanges does for Conformance).
//
// path must be named procman-plugin-NAME. Run fails t when the host
// does not run the plugin, and, for each case, when the plugin's change
// is dropped: it failed to start, crashed, missed a deadline, returned an
// error or an invalid or forbidden result. Notes and changes are logged.
// It returns the plugin's step of each case (host.PluginStep: applicable,
// changes, notes, warning), for the test's own assertions, and stops the
// plugin at the end of the test.
func Run(t *testing.T, path string, cases []sdk.ProcessConfig, opts ...Option) []host.PluginStep {
	t.Helper()
	name, ok := strings.CutPrefix(filepath.Base(path), discovery.Prefix)
	if !ok || name == "" {
		t.Fatalf("hosttest: %s is not named %sNAME, as procman finds plugins", path, discovery.Prefix)
	}
	var s settings
	for _, opt := range opts {
		opt(&s)
	}
	fields := host.DefaultPluginFields
	for _, f := range s.allowed {
		switch f {
		case "Dir":
			fields |= host.FieldDir
		case "LogFile":
			fields |= host.FieldLogFile
		}
	}
	logs, stop := linestest.Log(t, func(line []byte) string { return string(line) })
	t.Cleanup(stop) // after Close, below: a line later goes to stderr
	m := host.New(
		host.WithPluginSearchPath(filepath.Dir(path), ""),
		host.WithOnlyPlugins(name),
		host.WithPluginFields(fields),
		host.WithLogger(hclog.New(&hclog.LoggerOptions{Name: "host", Output: logs, Level: hclog.Info, DisableTime: true})),
	)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		m.Close(ctx)
	})
	ctx := context.Background()
	for _, p := range m.Plugins(ctx) {
		if p.Name == name && p.Status != host.PluginOK {
			t.Fatalf("hosttest: procman would not run %s: %s: %s", path, p.Status, p.Reason)
		}
	}
	steps := make([]host.PluginStep, len(cases))
	for i, cfg := range cases {
		_, report, err := m.Explain(ctx, cfg)
		if err != nil {
			t.Errorf("case %d: procman would not start the config: %v", i, err)
		}
		step, found := pluginStep(report, name)
		if !found {
			t.Fatalf("case %d: the host did not run %s", i, name)
		}
		steps[i] = step
		for _, note := range step.Notes {
			t.Logf("case %d: note: %s", i, note)
		}
		for _, c := range step.Changes {
			t.Logf("case %d: changed %s: %q -> %q", i, c.Field, c.Old, c.New)
		}
		if step.Warning != "" {
			t.Errorf("case %d: the host dropped the plugin's change: %s", i, step.Warning)
		}
	}
	return steps
}

// An Option changes what Run accepts.
type Option func(*settings)

type settings struct {
	allowed []string // fields the plugin may change beyond the default ones
}

// AllowChanges lets the plugin change fields beyond those a host allows by
// default ("Dir", "LogFile"), as a host whose embedder allows them
// (host.WithPluginFields).
func AllowChanges(fields ...string) Option {
	return func(s *settings) { s.allowed = append(s.allowed, fields...) }
}

func pluginStep(r host.Report, name string) (host.PluginStep, bool) {
	for _, s := range r.Steps {
		if s.Plugin == name {
			return s, true
		}
	}
	return host.PluginStep{}, false
}

//go:build linux

package host_test

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/sdk"
)

// scripted is an in-process plugin that returns whatever config the fuzz
// target sets.
type scripted struct {
	mu     sync.Mutex
	result sdk.ProcessConfig
}

func (p *scripted) Info() sdk.Info { return sdk.Info{Name: "scripted", Version: "1"} }

func (p *scripted) Applicable(context.Context, sdk.ProcessConfig) (bool, error) { return true, nil }

func (p *scripted) Enhance(context.Context, sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.result.Clone(), nil
}

func (p *scripted) set(cfg sdk.ProcessConfig) {
	p.mu.Lock()
	p.result = cfg
	p.mu.Unlock()
}

// FuzzPluginResult passes a valid config through a plugin that returns a
// fuzzed config, with every field open to plugins, and checks that the
// chain either drops the result with a reason and goes on with the config
// from before, or keeps a result that passes Validate. Explain runs the
// chain and starts nothing; Validate only looks at the file system.
func FuzzPluginResult(f *testing.F) {
	plugin := &scripted{}
	m := host.New(
		host.WithLogger(hclog.NewNullLogger()),
		host.WithPlugin(plugin),
		host.WithPluginFields(host.FieldCommand|host.FieldArgs|host.FieldDir|host.FieldEnv|host.FieldLogFile),
	)
	f.Cleanup(func() { m.Close(context.Background()) })
	dir := f.TempDir()
	in := sdk.ProcessConfig{Command: testchild, Args: []string{"exit", "0"}, Dir: dir, Env: map[string]string{"PATH": "/usr/bin:/bin"}}

	for _, seed := range []struct{ command, arg, dir, key, value, logFile string }{
		{testchild, "exit", dir, "A", "1", ""},
		{"sh", "-c", dir, "PATH", "/usr/bin:/bin", "out.log"},
		{testchild, "", dir, "NL\nX", "3", ""},
		{testchild, "", dir, "A B", "1", ""},
		{testchild, "", dir, "\ufeffA", "1", ""},
		{testchild, "", dir, "A=B", "1", ""},
		{testchild, "", dir, "", "1", ""},
		{testchild, "", dir, "K\xc3", "1", ""},
		{testchild, "", dir, "A", "1\x002", ""},
		{testchild, "", dir, "ProgramFiles(x86)", "line 1\nline 2", ""},
		{testchild, "a\x00b", dir, "A", "1", ""},
		{"", "", dir, "A", "1", ""},
		{"nope", "", dir, "A", "1", ""},
		{testchild, "", filepath.Join(dir, "missing"), "A", "1", ""},
		{testchild, "", "relative", "A", "1", ""},
		{testchild, "", dir, "A", "1", "/nonexistent/out.log"},
		{testchild, "", dir, "A", "1", dir},
		{"./" + filepath.Base(testchild), "", filepath.Dir(testchild), "A", "1", "x\ny"},
	} {
		f.Add(seed.command, seed.arg, seed.dir, seed.key, seed.value, seed.logFile)
	}
	f.Fuzz(func(t *testing.T, command, arg, dir, key, value, logFile string) {
		result := sdk.ProcessConfig{
			Command: command,
			Args:    []string{arg},
			Dir:     dir,
			Env:     map[string]string{"PATH": "/usr/bin:/bin", key: value},
			LogFile: logFile,
		}
		plugin.set(result)
		out, report, err := m.Explain(context.Background(), in.Clone())
		if len(report.Steps) != 1 {
			t.Fatalf("report has %d steps, want the plugin's one", len(report.Steps))
		}
		step := report.Steps[0]
		if step.Warning != "" {
			if !reflect.DeepEqual(out, in) || err != nil {
				t.Errorf("the plugin's result was dropped (%s), yet Explain gave %#v, %v; want the config from before", step.Warning, out, err)
			}
			return
		}
		if err := out.Validate(); err != nil {
			t.Errorf("the chain kept the result %#v, which is invalid: %v", result, err)
		}
		for k := range out.Env {
			if !plainEnvKey(k) {
				t.Errorf("the chain kept the env key %q", k)
			}
		}
		if !reflect.DeepEqual(out, result) || err != nil {
			t.Errorf("the chain kept the result, yet Explain gave %#v, %v; want %#v", out, err, result)
		}
	})
}

// plainEnvKey reports whether key has what the env rule promises, checked
// apart from it: no '=', no white space, no control or invisible character
// that could forge a variable or hide one.
func plainEnvKey(key string) bool {
	return key != "" && utf8.ValidString(key) && !strings.ContainsFunc(key, func(r rune) bool {
		return r == '=' || r == '\ufeff' || unicode.IsSpace(r) || unicode.IsControl(r)
	})
}

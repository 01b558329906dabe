//go:build unix

package nvm

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/procman-dev/procman/sdk"
	"github.com/procman-dev/procman/sdk/sdktest"
)

// fixture is a home directory with nvm in it, and projects.
type fixture struct {
	home, nvm string
	app       string // .nvmrc: 20
	deep      string // ten levels below app
	plain     string // no .nvmrc: the default alias applies
	invalid   string // .nvmrc names two versions
	missing   string // .nvmrc names a version that is not installed
	system    string // .nvmrc: system
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	home := t.TempDir()
	f := fixture{home: home, nvm: filepath.Join(home, ".nvm"), app: filepath.Join(home, "src", "app")}
	f.deep = filepath.Join(f.app, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
	f.plain = filepath.Join(home, "src", "plain")
	f.invalid = filepath.Join(home, "src", "invalid")
	f.missing = filepath.Join(home, "src", "missing")
	f.system = filepath.Join(home, "src", "system")
	for _, dir := range []string{"versions/node/v20.20.2", "versions/node/v18.17.1", "versions/node/v16.20.2"} {
		write(t, filepath.Join(f.nvm, dir, "bin", "node"), "#!/bin/sh\necho "+filepath.Base(dir)+"\n", 0o755)
	}
	write(t, filepath.Join(f.nvm, "alias", "default"), "18\n", 0o644)
	write(t, filepath.Join(f.nvm, "alias", "lts", "iron"), "v20.20.2\n", 0o644)
	write(t, filepath.Join(f.nvm, "alias", "lts", "*"), "lts/iron\n", 0o644)
	write(t, filepath.Join(f.app, ".nvmrc"), "20 # current LTS\n", 0o644)
	write(t, filepath.Join(f.invalid, ".nvmrc"), "18\n20\n", 0o644)
	write(t, filepath.Join(f.missing, ".nvmrc"), "17\n", 0o644)
	write(t, filepath.Join(f.system, ".nvmrc"), "system\n", 0o644)
	for _, dir := range []string{f.deep, f.plain} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func write(t testing.TB, path, content string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
}

// config is a config that runs node in dir with HOME and PATH set.
func (f fixture) config(dir string) sdk.ProcessConfig {
	return sdk.ProcessConfig{
		Command: "node",
		Args:    []string{"app.js"},
		Dir:     dir,
		Env:     map[string]string{"HOME": f.home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
	}
}

// bin is the bin directory of an installed version.
func (f fixture) bin(version string) string {
	return filepath.Join(f.nvm, "versions", "node", version, "bin")
}

func TestInfo(t *testing.T) {
	want := sdk.Info{Name: "nvm", Version: "1.0.0", Priority: 50}
	got := Plugin{}.Info()
	if got.Name != want.Name || got.Version != want.Version || got.Priority != want.Priority {
		t.Errorf("Info = %+v, want %+v", got, want)
	}
}

func TestConformance(t *testing.T) {
	f := newFixture(t)
	withoutPath := f.config(f.app)
	withoutPath.Command = "/bin/sh"
	delete(withoutPath.Env, "PATH")
	switching := f.config(f.app)
	switching.Env["PATH"] = f.bin("v18.17.1") + ":/usr/bin:/bin"
	sdktest.Conformance(t, Plugin{}, []sdk.ProcessConfig{
		f.config(f.app),
		f.config(f.deep),
		f.config(f.plain),
		f.config(f.invalid),
		f.config(f.missing),
		f.config(f.system),
		withoutPath,
		switching,
	})
}

// TestOverProtocol checks what a host gets from the plugin, calling it as a
// host does, through sdktest.Connect.
func TestOverProtocol(t *testing.T) {
	f := newFixture(t)
	remote := sdktest.Connect(t, Plugin{})
	v20, v18 := f.bin("v20.20.2"), f.bin("v18.17.1")
	nvmEnv := func(bin, path string) map[string]string {
		return map[string]string{"PATH": path, "NVM_BIN": bin, "NVM_INC": filepath.Join(filepath.Dir(bin), "include", "node")}
	}
	tests := []struct {
		name    string
		cfg     sdk.ProcessConfig
		env     map[string]string // the variables the plugin sets; nil when it does not apply
		note    string
		wantErr string
	}{
		{
			name: "nvmrc",
			cfg:  f.config(f.app),
			env:  nvmEnv(v20, v20+":/usr/bin:/bin"),
			note: "node v20.20.2, asked for as 20 by " + filepath.Join(f.app, ".nvmrc"),
		},
		{
			name: "nvmrc ten levels up",
			cfg:  f.config(f.deep),
			env:  nvmEnv(v20, v20+":/usr/bin:/bin"),
			note: "node v20.20.2, asked for as 20 by " + filepath.Join(f.app, ".nvmrc"),
		},
		{
			name: "default alias",
			cfg:  f.config(f.plain),
			env:  nvmEnv(v18, v18+":/usr/bin:/bin"),
			note: "node v18.17.1, asked for as default by " + filepath.Join(f.nvm, "alias", "default"),
		},
		{
			name: "nvm entry replaced in place",
			cfg: func() sdk.ProcessConfig {
				cfg := f.config(f.app)
				cfg.Env["PATH"] = "/opt/tools/bin:" + v18 + ":/usr/bin"
				return cfg
			}(),
			env:  nvmEnv(v20, "/opt/tools/bin:"+v20+":/usr/bin"),
			note: "node v20.20.2, asked for as 20 by " + filepath.Join(f.app, ".nvmrc"),
		},
		{
			name: "NVM_DIR wins over HOME",
			cfg: func() sdk.ProcessConfig {
				cfg := f.config(f.plain)
				cfg.Env["HOME"] = t.TempDir()
				cfg.Env["NVM_DIR"] = f.nvm
				return cfg
			}(),
			env:  nvmEnv(v18, v18+":/usr/bin:/bin"),
			note: "node v18.17.1, asked for as default by " + filepath.Join(f.nvm, "alias", "default"),
		},
		{name: "system", cfg: f.config(f.system)},
		{name: "no nvm", cfg: func() sdk.ProcessConfig {
			cfg := f.config(f.app)
			cfg.Env["HOME"] = t.TempDir()
			return cfg
		}()},
		{
			name:    "invalid nvmrc",
			cfg:     f.config(f.invalid),
			wantErr: `enhance: invalid .nvmrc ` + filepath.Join(f.invalid, ".nvmrc") + `: two lines name a version, "18" and "20": exactly one may`,
		},
		{
			name:    "not installed",
			cfg:     f.config(f.missing),
			wantErr: `enhance: N/A: version "v17" is not yet installed. (asked for by ` + filepath.Join(f.missing, ".nvmrc") + ")",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := sdktest.Apply(context.Background(), remote, tt.cfg)
			if tt.wantErr != "" {
				var pluginErr *sdk.PluginError
				if !errors.As(err, &pluginErr) || err.Error() != tt.wantErr {
					t.Fatalf("Apply: %v, want the plugin's error %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.env == nil {
				if out.Applicable || len(out.Notes) > 0 {
					t.Errorf("Apply = %+v, want not applicable, without a note", out)
				}
				return
			}
			want := tt.cfg.Clone()
			maps.Copy(want.Env, tt.env)
			got := out.Config
			if !out.Applicable || got.Command != want.Command || !slices.Equal(got.Args, want.Args) ||
				got.Dir != want.Dir || got.LogFile != want.LogFile || !maps.Equal(got.Env, want.Env) {
				t.Errorf("Apply = %+v\nwant config %+v", out, want)
			}
			if !slices.Equal(out.Notes, []string{tt.note}) {
				t.Errorf("notes %q, want %q", out.Notes, tt.note)
			}
			if path, err := got.Resolve(); err != nil || path != filepath.Join(filepath.Dir(tt.env["NVM_BIN"]), "bin", "node") {
				t.Errorf("node resolves to %s (%v), want the one in %s", path, err, tt.env["NVM_BIN"])
			}
		})
	}
}

// BenchmarkEnhance measures a whole plugin step, Applicable and Enhance, for
// a working directory ten levels below its .nvmrc, with the files cached:
// called directly, and through the protocol as a host calls it.
func BenchmarkEnhance(b *testing.B) {
	f := newFixture(b)
	cfg := f.config(f.deep)
	for _, bench := range []struct {
		name string
		p    sdk.Plugin
	}{
		{"direct", Plugin{}},
		{"protocol", sdktest.Connect(b, Plugin{})},
	} {
		b.Run(bench.name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				out, err := sdktest.Apply(ctx, bench.p, cfg)
				if err != nil || !strings.HasPrefix(out.Config.Env["PATH"], f.bin("v20.20.2")) {
					b.Fatalf("Apply = %+v, %v", out, err)
				}
			}
		})
	}
}

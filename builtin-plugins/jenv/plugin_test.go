//go:build unix

package jenv

import (
	"cmp"
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

// fixture is a HOME with a jenv root, the JDK homes that its versions link
// to, and a project directory with a subdirectory, all under base.
type fixture struct {
	base    string // what "@" stands for in the tests' paths
	home    string // HOME
	root    string // HOME/.jenv
	project string // base/project
	sub     string // project/sub/dir
}

// newFixture makes a fixture whose jenv knows a JDK 17 as "17" and
// "openjdk64-17.0.15", and a runtime without javac as "11". Their java and
// javac are shell scripts.
func newFixture(t testing.TB) fixture {
	t.Helper()
	base := t.TempDir()
	f := fixture{
		base:    base,
		home:    filepath.Join(base, "home"),
		root:    filepath.Join(base, "home", ".jenv"),
		project: filepath.Join(base, "project"),
		sub:     filepath.Join(base, "project", "sub", "dir"),
	}
	for _, program := range []string{"jdk-17/bin/java", "jdk-17/bin/javac", "jre-11/bin/java"} {
		f.write(t, "jdks/"+program, "#!/bin/sh\necho "+program+"\n", 0o755)
	}
	for name, jdk := range map[string]string{"17": "jdk-17", "openjdk64-17.0.15": "jdk-17", "11": "jre-11"} {
		link := filepath.Join(f.root, "versions", name)
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(base, "jdks", jdk), link); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(f.sub, 0o755); err != nil {
		t.Fatal(err)
	}
	return f
}

// write writes the file at rel, a path relative to the fixture's base.
func (f fixture) write(t testing.TB, rel, content string, mode os.FileMode) {
	t.Helper()
	path := filepath.Join(f.base, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// expand replaces "@" in s by the fixture's base.
func (f fixture) expand(s string) string { return strings.ReplaceAll(s, "@", f.base) }

func TestApply(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string // relative to the fixture's base
		dir     string            // default: the project
		command string            // default: java
		args    []string
		env     map[string]string // added to HOME and PATH

		version  string   // the version the process gets; "" when the plugin does not apply
		jdk      bool     // whether it gets JDK_HOME
		wantArgs []string // default: args
		wantErr  string
		notes    []string
	}{
		{
			name:  ".java-version in the project",
			files: map[string]string{"project/.java-version": "17\n"},
			args:  []string{"-version"},
			// JDK_HOME: the home has bin/javac.
			version: "17", jdk: true,
			notes: []string{"java 17, set by @/project/.java-version"},
		},
		{
			name:    ".java-version above the working directory",
			files:   map[string]string{"project/.java-version": "openjdk64-17.0.15\n"},
			dir:     "@/project/sub/dir",
			version: "openjdk64-17.0.15", jdk: true,
			notes: []string{"java openjdk64-17.0.15, set by @/project/.java-version"},
		},
		{
			name:    "JENV_VERSION, a runtime: no JDK_HOME",
			files:   map[string]string{"project/.java-version": "17\n"},
			env:     map[string]string{"JENV_VERSION": "11"},
			version: "11",
			notes:   []string{"java 11, set by JENV_VERSION environment variable"},
		},
		{
			name:    "jenv global",
			files:   map[string]string{"home/.jenv/version": "11\n"},
			version: "11",
			notes:   []string{"java 11, set by @/home/.jenv/version"},
		},
		{
			name:    "java- prefix",
			files:   map[string]string{"project/.java-version": "java-17\n"},
			version: "17", jdk: true,
			notes: []string{"ignoring extraneous 'java-' prefix in version 'java-17'", "java 17, set by @/project/.java-version"},
		},
		{
			name:    "options from .java-options before java's arguments",
			files:   map[string]string{"project/.java-version": "17\n", "project/.java-options": "-Xmx64m -Dp=1\n"},
			dir:     "@/project/sub/dir",
			args:    []string{"-jar", "app.jar", "-Xmx1g"},
			version: "17", jdk: true,
			wantArgs: []string{"-Xmx64m", "-Dp=1", "-jar", "app.jar", "-Xmx1g"},
			notes:    []string{"java 17, set by @/project/.java-version", "java options -Xmx64m -Dp=1, set by @/project/.java-options"},
		},
		{
			name:    "options from JENV_OPTIONS",
			files:   map[string]string{"project/.java-version": "17\n", "project/.java-options": "-Dfile=1\n"},
			env:     map[string]string{"JENV_OPTIONS": "-Denv=1"},
			args:    []string{"Main"},
			version: "17", jdk: true,
			wantArgs: []string{"-Denv=1", "Main"},
			notes:    []string{"java 17, set by @/project/.java-version", "java options -Denv=1, set by JENV_OPTIONS environment variable"},
		},
		{
			name:    "no options for another command",
			files:   map[string]string{"project/.java-version": "17\n", "project/.java-options": "-Dfile=1\n"},
			command: "/bin/sh",
			args:    []string{"-c", "mvn package"},
			version: "17", jdk: true,
			notes: []string{"java 17, set by @/project/.java-version"},
		},
		{
			name:    "no options for a path to java",
			files:   map[string]string{"project/.java-version": "17\n", "project/.java-options": "-Dfile=1\n"},
			command: "@/jdks/jdk-17/bin/java",
			args:    []string{"-version"},
			version: "17", jdk: true,
			notes: []string{"java 17, set by @/project/.java-version"},
		},
		{
			name:    "not installed",
			files:   map[string]string{"project/.java-version": "21\n", "home/.jenv/version": "17\n"},
			wantErr: "jenv: version '21' is not installed",
		},
		{
			name:    "no prefix matching",
			files:   map[string]string{"project/.java-version": "17.0\n"},
			wantErr: "jenv: version '17.0' is not installed",
		},
		{
			name:  "nothing asks: the system's java",
			notes: []string{"system java: no JENV_VERSION, no .java-version or .jenv-version from the working directory up, no version file in @/home/.jenv"},
		},
		{
			name:  "system asked for",
			files: map[string]string{"project/.java-version": "system\n", "home/.jenv/version": "17\n"},
			notes: []string{"system java, set by @/project/.java-version"},
		},
		{
			name:  "an empty .java-version: the system's java",
			files: map[string]string{"project/.java-version": "\n", "home/.jenv/version": "17\n"},
			notes: []string{"system java: @/project/.java-version names no version"},
		},
	}
	remote := sdktest.Connect(t, Plugin{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			for rel, content := range tt.files {
				f.write(t, rel, content, 0o644)
			}
			cfg := sdk.ProcessConfig{
				Command: f.expand(cmp.Or(tt.command, "java")),
				Args:    tt.args,
				Dir:     f.expand(cmp.Or(tt.dir, "@/project")),
				Env:     map[string]string{"HOME": f.home, "PATH": "/usr/bin:/bin"},
				LogFile: filepath.Join(f.base, "out.log"),
			}
			maps.Copy(cfg.Env, tt.env)

			out, err := sdktest.Apply(context.Background(), remote, cfg)
			if tt.wantErr != "" {
				var pluginErr *sdk.PluginError
				if !errors.As(err, &pluginErr) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Apply: %v, want an error from the plugin saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var notes []string
			for _, note := range tt.notes {
				notes = append(notes, f.expand(note))
			}
			if !slices.Equal(out.Notes, notes) {
				t.Errorf("notes %q, want %q", out.Notes, notes)
			}
			if out.Applicable != (tt.version != "") {
				t.Fatalf("applicable = %t, want %t", out.Applicable, tt.version != "")
			}
			if !out.Applicable {
				return
			}

			got := out.Config
			home := filepath.Join(f.root, "versions", tt.version)
			want := maps.Clone(cfg.Env)
			want["JAVA_HOME"] = home
			want["PATH"] = home + "/bin:/usr/bin:/bin"
			want["JENV_VERSION"] = tt.version
			if tt.jdk {
				want["JDK_HOME"] = home
			}
			if !maps.Equal(got.Env, want) {
				t.Errorf("env\n%v\nwant\n%v", got.Env, want)
			}
			wantArgs := tt.args
			if tt.wantArgs != nil {
				wantArgs = tt.wantArgs
			}
			if !slices.Equal(got.Args, wantArgs) {
				t.Errorf("args %q, want %q", got.Args, wantArgs)
			}
			if got.Command != cfg.Command || got.Dir != cfg.Dir || got.LogFile != cfg.LogFile {
				t.Errorf("command, dir, log file = %q, %q, %q; want them unchanged", got.Command, got.Dir, got.LogFile)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("result does not validate: %v", err)
			}
		})
	}
}

func TestApplyWithoutPATH(t *testing.T) {
	// The bin directory alone: jenv's "$JAVA_HOME/bin:" would add the
	// working directory.
	f := newFixture(t)
	cfg := sdk.ProcessConfig{Command: "java", Dir: f.project, Env: map[string]string{"HOME": f.home, "JENV_VERSION": "17"}}
	out, err := sdktest.Apply(context.Background(), sdktest.Connect(t, Plugin{}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(f.root, "versions", "17", "bin"); out.Config.Env["PATH"] != want {
		t.Errorf("PATH = %q, want %q", out.Config.Env["PATH"], want)
	}
}

func TestApplyReadsNothingOfThePluginsOwn(t *testing.T) {
	// The plugin's own working directory and environment ask for 17; the
	// config asks for nothing.
	f := newFixture(t)
	f.write(t, "home/.jenv/version", "17\n", 0o644)
	f.write(t, "project/.java-version", "17\n", 0o644)
	t.Chdir(f.project)
	t.Setenv("HOME", f.home)
	t.Setenv("JENV_VERSION", "17")

	elsewhere := t.TempDir()
	cfg := sdk.ProcessConfig{Command: "java", Dir: elsewhere, Env: map[string]string{"HOME": elsewhere, "PATH": "/usr/bin:/bin"}}
	out, err := sdktest.Apply(context.Background(), sdktest.Connect(t, Plugin{}), cfg)
	if err != nil || out.Applicable {
		t.Errorf("Apply = %+v, %v; want not applicable", out, err)
	}
}

func TestConformance(t *testing.T) {
	f := newFixture(t)
	f.write(t, "project/.java-version", "17\n", 0o644)
	f.write(t, "project/sub/.java-options", "-Xmx64m\n", 0o644)
	f.write(t, "home/.jenv/version", "11\n", 0o644)
	env := func(more ...string) map[string]string {
		env := map[string]string{"HOME": f.home, "PATH": "/usr/bin:/bin"}
		for i := 0; i < len(more); i += 2 {
			env[more[i]] = more[i+1]
		}
		return env
	}
	sdktest.Conformance(t, Plugin{}, []sdk.ProcessConfig{
		{Command: "java", Args: []string{"-jar", "app.jar"}, Dir: f.project, Env: env()},
		{Command: "java", Args: []string{"-version"}, Dir: f.sub, Env: env()},
		{Command: "/bin/sh", Args: []string{"-c", "echo $JAVA_HOME"}, Dir: f.base, Env: env("JENV_VERSION", "openjdk64-17.0.15")},
		{Command: "java", Dir: f.sub, Env: env("JENV_VERSION", "java-17", "JENV_OPTIONS", "-Da=1 -Db=2")},
		{Command: "javac", Args: []string{"Main.java"}, Dir: f.project, Env: env("JENV_VERSION", "21")},
		{Command: "java", Dir: f.base, Env: env("JENV_VERSION", "system")},
		{Command: "java", Dir: f.base, Env: nil},
	})
}

// BenchmarkEnhance measures a warm Enhance of java -version run ten
// directories below its .java-version, called directly and through the
// protocol as a host calls it.
func BenchmarkEnhance(b *testing.B) {
	f := newFixture(b)
	f.write(b, "project/.java-version", "17\n", 0o644)
	dir := filepath.Join(f.project, "1", "2", "3", "4", "5", "6", "7", "8", "9", "10")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	cfg := sdk.ProcessConfig{
		Command: "java",
		Args:    []string{"-version"},
		Dir:     dir,
		Env:     map[string]string{"HOME": f.home, "PATH": "/usr/bin:/bin"},
	}
	for _, bc := range []struct {
		name    string
		connect bool
	}{{"direct", false}, {"connect", true}} {
		b.Run(bc.name, func(b *testing.B) {
			var p sdk.Plugin = Plugin{}
			if bc.connect {
				p = sdktest.Connect(b, p)
			}
			ctx := context.Background()
			out, err := p.Enhance(ctx, cfg) // warms the caches
			if err != nil || out.Env["JENV_VERSION"] != "17" {
				b.Fatalf("Enhance = %+v, %v; want java 17", out, err)
			}
			for b.Loop() {
				if _, err := p.Enhance(ctx, cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

//go:build unix

package resolve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// installed are the versions of the pyenv root $T/pyenv of every case,
// each a directory under versions/ with an empty bin/.
var installed = []string{
	"2.7.18", "3.9.18", "3.10.13", "3.11.2", "3.11.7", "3.11.10", "3.12.1", "3.12-dev",
	"3.13.0", "3.13.1t", "3.14.0a1", "3.14.0b2", "3.14.0rc1", "3.14-dev", "3.14-src", "3.14-latest",
	"pypy3.10-7.3.9", "pypy3.10-7.3.15", "my-build",
}

// selectCase is a directory tree, a process's working directory and
// environment in it, and what pyenv selects for that process. "$T" stands
// for the tree's root, in paths and values.
type selectCase struct {
	name string
	// files are created under $T besides the installed versions: a path
	// ending in '/' is a directory, a value starting with "-> " a symbolic
	// link to the rest, anything else a file with that content.
	files map[string]string
	dir   string // the working directory, relative to $T; created
	// env is the process's environment. Without HOME or PYENV_ROOT in it,
	// PYENV_ROOT is $T/pyenv.
	env map[string]string

	want        string // the Versions: "requested=name" (name empty when missing) separated by ' '
	wantSource  string // default: $T/pyenv/version
	wantRoot    string // default: $T/pyenv
	wantIgnored int    // how many values of the version file were ignored

	// unlikePyenv says why the real pyenv answers otherwise, on purpose.
	unlikePyenv string
}

var selectCases = []selectCase{
	// Where the versions come from.
	{
		name: "nothing selects a version: system",
		want: "system=system",
	},
	{
		name:  "global version file",
		files: map[string]string{"pyenv/version": "3.10.13\n"},
		want:  "3.10.13=3.10.13",
	},
	{
		name:       "PYENV_VERSION comes before every file",
		files:      map[string]string{"pyenv/version": "3.9.18", "proj/.python-version": "2.7.18"},
		env:        map[string]string{"PYENV_VERSION": "3.10.13"},
		want:       "3.10.13=3.10.13",
		wantSource: EnvSource,
	},
	{
		name:       "PYENV_VERSION with several versions",
		env:        map[string]string{"PYENV_VERSION": "3.11:2.7.18:system"},
		want:       "3.11=3.11.10 2.7.18=2.7.18 system=system",
		wantSource: EnvSource,
	},
	{
		name:        "empty entries of PYENV_VERSION name nothing",
		env:         map[string]string{"PYENV_VERSION": ":3.12::2.7.18:"},
		want:        "3.12=3.12.1 2.7.18=2.7.18",
		wantSource:  EnvSource,
		unlikePyenv: "pyenv keeps an empty entry, which names versions/ itself and puts $PYENV_ROOT/versions/bin in PATH",
	},
	{
		name:       "empty PYENV_VERSION counts as unset",
		files:      map[string]string{"proj/.python-version": "2.7.18"},
		env:        map[string]string{"PYENV_VERSION": ""},
		want:       "2.7.18=2.7.18",
		wantSource: "$T/proj/.python-version",
	},
	{
		name:       "local file in the working directory comes before the global one",
		files:      map[string]string{"pyenv/version": "3.9.18", "proj/.python-version": "2.7.18"},
		want:       "2.7.18=2.7.18",
		wantSource: "$T/proj/.python-version",
	},
	{
		name:       "local file four levels up",
		files:      map[string]string{"proj/.python-version": "3.9.18"},
		dir:        "proj/a/b/c/d",
		want:       "3.9.18=3.9.18",
		wantSource: "$T/proj/.python-version",
	},
	{
		name:       "the nearest local file wins",
		files:      map[string]string{"proj/.python-version": "2.7.18", "proj/a/b/.python-version": "3.9.18"},
		dir:        "proj/a/b/c",
		want:       "3.9.18=3.9.18",
		wantSource: "$T/proj/a/b/.python-version",
	},
	{
		name: "an empty local file ends the search: system",
		files: map[string]string{
			"pyenv/version": "3.12.1", "proj/.python-version": "3.11.7", "proj/a/.python-version": "",
		},
		dir:        "proj/a/b",
		want:       "system=system",
		wantSource: "$T/proj/a/.python-version",
	},
	{
		name:       "a local file of comments and blank lines ends the search",
		files:      map[string]string{"proj/.python-version": "3.11.7", "proj/a/.python-version": "# none\n\n  \r\n"},
		dir:        "proj/a",
		want:       "system=system",
		wantSource: "$T/proj/a/.python-version",
	},
	{
		name:       "a directory named .python-version is passed over",
		files:      map[string]string{"proj/.python-version": "3.9.18", "proj/a/.python-version/": ""},
		dir:        "proj/a",
		want:       "3.9.18=3.9.18",
		wantSource: "$T/proj/.python-version",
	},
	{
		name:       "a link to a version file counts",
		files:      map[string]string{"shared/version": "3.9.18", "proj/.python-version": "-> ../shared/version"},
		want:       "3.9.18=3.9.18",
		wantSource: "$T/proj/.python-version",
	},

	// The file format.
	{
		name:       "first word of each line; CR, blank lines and # words skipped",
		files:      map[string]string{"proj/.python-version": "\n  # pinned for CI\r\n3.11.7\r\n\t\r\n#3.9.18\n2.7.18 is the other one"},
		want:       "3.11.7=3.11.7 2.7.18=2.7.18",
		wantSource: "$T/proj/.python-version",
	},
	{
		name:       "':' in a file separates versions too",
		files:      map[string]string{"pyenv/version": "3.12:3.9\n"},
		want:       "3.12=3.12.1 3.9=3.9.18",
		wantSource: "$T/pyenv/version",
	},
	{
		name:       "a path inside versions/ is accepted",
		files:      map[string]string{"pyenv/versions/3.11.7/envs/venv/bin/": "", "proj/.python-version": "3.11.7/envs/venv\n3.11.7/../3.12.1"},
		want:       "3.11.7/envs/venv=3.11.7/envs/venv 3.12.1=3.12.1",
		wantSource: "$T/proj/.python-version",
		unlikePyenv: "pyenv checks the clean path but uses the value as written, which a link in it " +
			"can lead out of versions/: Select uses the path it checked",
	},
	{
		name: "paths leading out of versions/ or to nothing are ignored",
		files: map[string]string{
			"outside/bin/":         "",
			"proj/.python-version": "../../outside\n..\n3.99/x\n3.11.7/../../../outside\n2.7.18",
		},
		want:        "2.7.18=2.7.18",
		wantSource:  "$T/proj/.python-version",
		wantIgnored: 4,
	},
	{
		name: "entries naming versions/ or its parent are ignored, however they are written",
		files: map[string]string{
			"proj/.python-version": ".\npython-..\n3.11.7:..\npython-\n3.11.7/..\n2.7.18",
		},
		// "python-.." and "python-" are names, of no installed version:
		// without their prefix, they would name versions/.. and versions/.
		want:        "python-..= 3.11.7=3.11.7 python-= 2.7.18=2.7.18",
		wantSource:  "$T/proj/.python-version",
		wantIgnored: 3,
		unlikePyenv: "pyenv checks each line, not each entry, and takes '.', and '..' after a ':' or a 'python-', " +
			"for versions: $PYENV_ROOT/versions/bin or $PYENV_ROOT/bin goes first in PATH",
	},
	{
		name:  "PYENV_VERSION cannot lead out of versions/ either",
		files: map[string]string{"outside/bin/": ""},
		env:   map[string]string{"PYENV_VERSION": "../../outside:..:.:python-..:python-../../outside:3.12:3.11.7/../../..:/3.11.7"},
		// Paths are cleaned as joined to versions/: "python-../../outside"
		// is versions/outside, "/3.11.7" versions/3.11.7.
		want:        "python-..= outside= 3.12=3.12.1 3.11.7=3.11.7",
		wantSource:  EnvSource,
		wantIgnored: 4,
		unlikePyenv: "pyenv checks only version files: PYENV_VERSION=../../outside puts $T/outside/bin first in PATH",
	},
	{
		name:        "a file of ignored values selects system",
		files:       map[string]string{"outside/": "", "proj/.python-version": "../../outside"},
		want:        "system=system",
		wantSource:  "$T/proj/.python-version",
		wantIgnored: 1,
	},

	// How an entry is resolved.
	{
		name:       "exact directory names, whatever they look like",
		env:        map[string]string{"PYENV_VERSION": "my-build:3.14.0a1:3.12-dev:3.13.1t"},
		want:       "my-build=my-build 3.14.0a1=3.14.0a1 3.12-dev=3.12-dev 3.13.1t=3.13.1t",
		wantSource: EnvSource,
	},
	{
		name:       "python- prefix stripped",
		env:        map[string]string{"PYENV_VERSION": "python-3.12.1:python-3.11:python-3.99"},
		want:       "python-3.12.1=3.12.1 python-3.11=3.11.10 python-3.99=",
		wantSource: EnvSource,
	},
	{
		name:       "prefixes pick the highest by numeric components",
		env:        map[string]string{"PYENV_VERSION": "3:3.11:2:pypy3.10"},
		want:       "3=3.13.0 3.11=3.11.10 2=2.7.18 pypy3.10=pypy3.10-7.3.15",
		wantSource: EnvSource,
	},
	{
		name:       "a prefix ends at '.' or '-'",
		env:        map[string]string{"PYENV_VERSION": "3.1:3.11.1:pypy3.1"},
		want:       "3.1= 3.11.1= pypy3.1=",
		wantSource: EnvSource,
	},
	{
		name:       "no pre-release, dev, src or latest build for a prefix",
		env:        map[string]string{"PYENV_VERSION": "3.14"},
		want:       "3.14=",
		wantSource: EnvSource,
	},
	{
		name:       "free-threaded builds only when the prefix ends in t",
		env:        map[string]string{"PYENV_VERSION": "3.13:3.13t:3t"},
		want:       "3.13=3.13.0 3.13t=3.13.1t 3t=3.13.1t",
		wantSource: EnvSource,
	},
	{
		name: "virtualenv by its link and by its full name",
		files: map[string]string{
			"pyenv/versions/3.11.7/envs/venv/bin/": "",
			"pyenv/versions/venv":                  "-> 3.11.7/envs/venv",
		},
		env:        map[string]string{"PYENV_VERSION": "venv:3.11.7/envs/venv"},
		want:       "venv=venv 3.11.7/envs/venv=3.11.7/envs/venv",
		wantSource: EnvSource,
	},
	{
		name: "a link to a directory is installed, a dangling one is not",
		files: map[string]string{
			"elsewhere/3.8.18/bin/": "",
			"pyenv/versions/3.8":    "-> ../../elsewhere/3.8.18",
			"pyenv/versions/3.7":    "-> ../../elsewhere/3.7.16",
		},
		env:        map[string]string{"PYENV_VERSION": "3.8:3.7"},
		want:       "3.8=3.8 3.7=",
		wantSource: EnvSource,
	},
	{
		name:       "a missing entry leaves the others",
		files:      map[string]string{"proj/.python-version": "3.99\n3.11.7\nsystem"},
		want:       "3.99= 3.11.7=3.11.7 system=system",
		wantSource: "$T/proj/.python-version",
	},

	// Where pyenv's root is.
	{
		name:       "PYENV_ROOT defaults to $HOME/.pyenv",
		files:      map[string]string{"home/.pyenv/versions/3.6.15/bin/": "", "home/.pyenv/version": "3.6"},
		env:        map[string]string{"HOME": "$T/home"},
		want:       "3.6=3.6.15",
		wantSource: "$T/home/.pyenv/version",
		wantRoot:   "$T/home/.pyenv",
	},
	{
		name:  "PYENV_ROOT comes before HOME",
		files: map[string]string{"home/.pyenv/versions/3.6.15/bin/": "", "home/.pyenv/version": "3.6", "pyenv/version": "3.9"},
		env:   map[string]string{"HOME": "$T/home", "PYENV_ROOT": "$T/pyenv"},
		want:  "3.9=3.9.18",
	},
	{
		name:  "trailing '/' of PYENV_ROOT stripped",
		files: map[string]string{"pyenv/version": "3.9"},
		env:   map[string]string{"PYENV_ROOT": "$T/pyenv/"},
		want:  "3.9=3.9.18",
	},
	{
		name:  "a relative PYENV_ROOT is relative to the working directory",
		files: map[string]string{"pyenv/version": "3.9"},
		env:   map[string]string{"PYENV_ROOT": "../pyenv"},
		want:  "3.9=3.9.18",
	},
}

func TestSelect(t *testing.T) {
	for _, tc := range selectCases {
		t.Run(tc.name, func(t *testing.T) {
			top, dir, env := tc.setUp(t)
			sel, err := Select(dir, env)
			if err != nil {
				t.Fatalf("Select: %v", err)
			}
			if got := describe(sel.Versions); got != tc.want {
				t.Errorf("versions = %q, want %q", got, tc.want)
			}
			wantSource := cmp(tc.wantSource, "$T/pyenv/version")
			if want := strings.ReplaceAll(wantSource, "$T", top); sel.Source != want {
				t.Errorf("source = %q, want %q", sel.Source, want)
			}
			if want := strings.ReplaceAll(cmp(tc.wantRoot, "$T/pyenv"), "$T", top); sel.Root != want {
				t.Errorf("root = %q, want %q", sel.Root, want)
			}
			if len(sel.Ignored) != tc.wantIgnored {
				t.Errorf("ignored %q, want %d values ignored", sel.Ignored, tc.wantIgnored)
			}
		})
	}
}

// setUp builds the case's tree in a new directory and returns that
// directory, the working directory and the environment.
func (tc selectCase) setUp(t *testing.T) (top, dir string, env map[string]string) {
	t.Helper()
	top = t.TempDir()
	for _, v := range installed {
		mkdir(t, filepath.Join(top, "pyenv", "versions", v, "bin"))
	}
	build(t, top, tc.files)
	dir = filepath.Join(top, cmp(tc.dir, "proj"))
	mkdir(t, dir)
	env = map[string]string{}
	for k, v := range tc.env {
		env[k] = strings.ReplaceAll(v, "$T", top)
	}
	_, hasRoot := env["PYENV_ROOT"]
	if _, hasHome := env["HOME"]; !hasRoot && !hasHome {
		env["PYENV_ROOT"] = filepath.Join(top, "pyenv")
	}
	return top, dir, env
}

// build creates files under top (see selectCase.files).
func build(t *testing.T, top string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(top, name)
		if strings.HasSuffix(name, "/") {
			mkdir(t, path)
			continue
		}
		mkdir(t, filepath.Dir(path))
		var err error
		if target, ok := strings.CutPrefix(content, "-> "); ok {
			err = os.Symlink(target, path)
		} else {
			err = os.WriteFile(path, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func mkdir(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

// describe writes versions as selectCase.want does.
func describe(versions []Version) string {
	parts := make([]string, len(versions))
	for i, v := range versions {
		parts[i] = v.Requested + "=" + v.Name
	}
	return strings.Join(parts, " ")
}

// cmp returns s, or def when s is empty.
func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func TestSelectRefusesRelativeDir(t *testing.T) {
	if _, err := Select("proj", map[string]string{"PYENV_ROOT": t.TempDir()}); err == nil {
		t.Error("Select with a relative working directory did not fail: the answer would depend on the caller's directory")
	}
}

func TestSelectReportsUnreadableFile(t *testing.T) {
	top := t.TempDir()
	file := filepath.Join(top, ".python-version")
	if err := os.WriteFile(file, []byte("3.11\n"), 0o000); err != nil {
		t.Fatal(err)
	}
	if _, err := os.ReadFile(file); err == nil {
		t.Skip("this user can read a file of mode 0000 (root): run the test unprivileged")
	}
	if _, err := Select(top, map[string]string{"PYENV_ROOT": top}); err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("Select = %v, want an error naming %s", err, file)
	}
}

func TestMissing(t *testing.T) {
	sel := Selection{Source: "/p/.python-version", Versions: []Version{{"3.99", ""}, {"3.11", "3.11.7"}, {"python-4", ""}}}
	want := "pyenv: version '3.99' is not installed (set by /p/.python-version); " +
		"pyenv: version 'python-4' is not installed (set by /p/.python-version)"
	if got := sel.Missing(); got == nil || got.Error() != want {
		t.Errorf("Missing() = %v, want %s", got, want)
	}
	sel = Selection{Source: EnvSource, Versions: []Version{{"3.99", ""}}}
	want = "pyenv: version '3.99' is not installed (set by PYENV_VERSION environment variable)"
	if got := sel.Missing(); got == nil || got.Error() != want {
		t.Errorf("Missing() = %v, want %s", got, want)
	}
	sel = Selection{Versions: []Version{{"3.11", "3.11.7"}, {System, System}}}
	if got := sel.Missing(); got != nil {
		t.Errorf("Missing() = %v, want nil: every entry is installed", got)
	}
}

func TestSelectsPythonAndInstalled(t *testing.T) {
	tests := []struct {
		versions      []Version
		selectsPython bool
		installed     string
	}{
		{[]Version{{System, System}}, false, ""},
		{[]Version{{"3.99", ""}}, true, ""},
		{[]Version{{"3.99", ""}, {System, System}, {"3.11", "3.11.7"}}, true, "3.11.7"},
		{[]Version{{"venv", "venv"}, {"2", "2.7.18"}}, true, "venv 2.7.18"},
	}
	for _, tt := range tests {
		sel := Selection{Versions: tt.versions}
		if got := sel.SelectsPython(); got != tt.selectsPython {
			t.Errorf("%s: SelectsPython() = %t, want %t", describe(tt.versions), got, tt.selectsPython)
		}
		if got := strings.Join(sel.Installed(), " "); got != tt.installed {
			t.Errorf("%s: Installed() = %q, want %q", describe(tt.versions), got, tt.installed)
		}
	}
}

func TestEnv(t *testing.T) {
	const root = "/home/u/.pyenv"
	bin := func(v string) string { return root + "/versions/" + v + "/bin" }
	tests := []struct {
		name     string
		versions []Version
		path     *string // the process's PATH; nil: none
		wantPath string
		wantPV   string // PYENV_VERSION
	}{
		{
			name:     "one version before PATH",
			versions: []Version{{"3.11", "3.11.7"}},
			path:     ptr("/usr/bin:/bin"),
			wantPath: bin("3.11.7") + ":/usr/bin:/bin",
			wantPV:   "3.11.7",
		},
		{
			name:     "several versions in order",
			versions: []Version{{"3.11", "3.11.7"}, {"2", "2.7.18"}, {"venv", "venv"}},
			path:     ptr("/usr/bin"),
			wantPath: bin("3.11.7") + ":" + bin("2.7.18") + ":" + bin("venv") + ":/usr/bin",
			wantPV:   "3.11.7:2.7.18:venv",
		},
		{
			name:     "missing entries left out",
			versions: []Version{{"3.99", ""}, {"3.11.7", "3.11.7"}},
			path:     ptr("/usr/bin"),
			wantPath: bin("3.11.7") + ":/usr/bin",
			wantPV:   "3.11.7",
		},
		{
			name:     "versions after system come after PATH",
			versions: []Version{{"3.12", "3.12.1"}, {System, System}, {"2", "2.7.18"}},
			path:     ptr("/usr/bin"),
			wantPath: bin("3.12.1") + ":/usr/bin:" + bin("2.7.18"),
			wantPV:   "3.12.1:system:2.7.18",
		},
		{
			name:     "no PATH: the bin directories alone",
			versions: []Version{{"3.11", "3.11.7"}, {"2", "2.7.18"}},
			wantPath: bin("3.11.7") + ":" + bin("2.7.18"),
			wantPV:   "3.11.7:2.7.18",
		},
		{
			name:     "empty PATH: no empty entry added",
			versions: []Version{{"3.11", "3.11.7"}},
			path:     ptr(""),
			wantPath: bin("3.11.7"),
			wantPV:   "3.11.7",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"HOME": "/home/u"}
			if tt.path != nil {
				env["PATH"] = *tt.path
			}
			got := Selection{Root: root, Versions: tt.versions}.Env(env)
			if len(got) != 2 || got["PATH"] != tt.wantPath || got["PYENV_VERSION"] != tt.wantPV {
				t.Errorf("Env = %q, want PATH=%q and PYENV_VERSION=%q only", got, tt.wantPath, tt.wantPV)
			}
			if env["PATH"] != deref(tt.path) {
				t.Errorf("Env changed the environment it was given")
			}
		})
	}
}

func ptr(s string) *string { return &s }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// A version file is a few lines: one of up to 64 KiB is read, a larger one
// refused, by name, rather than read into memory.
func TestSelectRefusesHugeVersionFile(t *testing.T) {
	top := t.TempDir()
	mkdir(t, filepath.Join(top, "versions", "3.11.7"))
	file := filepath.Join(top, ".python-version")
	fits := "3.11.7\n" + strings.Repeat("#", maxVersionFileSize-len("3.11.7\n"))
	for _, tt := range []struct {
		content string
		wantErr bool
	}{{fits, false}, {fits + "\n", true}} {
		if err := os.WriteFile(file, []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		sel, err := Select(top, map[string]string{"PYENV_ROOT": top})
		switch {
		case tt.wantErr && (err == nil || !strings.Contains(err.Error(), file)):
			t.Errorf("%d bytes: Select = %v, %v; want an error naming %s", len(tt.content), describe(sel.Versions), err, file)
		case !tt.wantErr && (err != nil || describe(sel.Versions) != "3.11.7=3.11.7"):
			t.Errorf("%d bytes: Select = %v, %v; want 3.11.7", len(tt.content), describe(sel.Versions), err)
		}
	}
}

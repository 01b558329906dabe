//go:build unix

package resolve

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNvmDir(t *testing.T) {
	// An installer's nvm in $XDG_CONFIG_HOME/nvm; beside it, a user whose
	// XDG_CONFIG_HOME holds no nvm, as with Homebrew's.
	installed := t.TempDir()
	if err := os.MkdirAll(filepath.Join(installed, ".config", "nvm"), 0o755); err != nil {
		t.Fatal(err)
	}
	homebrew := t.TempDir()
	if err := os.MkdirAll(filepath.Join(homebrew, ".config"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"NVM_DIR", map[string]string{"NVM_DIR": "/opt/nvm", "HOME": installed, "XDG_CONFIG_HOME": installed + "/.config"}, "/opt/nvm"},
		{"NVM_DIR trailing slashes", map[string]string{"NVM_DIR": "/opt/nvm//"}, "/opt/nvm"},
		{"XDG_CONFIG_HOME with nvm", map[string]string{"HOME": installed, "XDG_CONFIG_HOME": installed + "/.config"}, installed + "/.config/nvm"},
		{"XDG_CONFIG_HOME without nvm: HOME, as Homebrew's nvm.sh", map[string]string{"HOME": homebrew, "XDG_CONFIG_HOME": homebrew + "/.config"}, homebrew + "/.nvm"},
		{"XDG_CONFIG_HOME without nvm, no HOME", map[string]string{"XDG_CONFIG_HOME": homebrew + "/.config"}, homebrew + "/.config/nvm"},
		{"HOME", map[string]string{"HOME": "/home/u"}, "/home/u/.nvm"},
		{"empty counts as unset", map[string]string{"NVM_DIR": "", "XDG_CONFIG_HOME": "", "HOME": "/home/u"}, "/home/u/.nvm"},
		{"relative to the working directory", map[string]string{"NVM_DIR": "tools/nvm"}, "/work/project/tools/nvm"},
		{"none", map[string]string{"PATH": "/usr/bin"}, ""},
		{"nil", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nvmDir("/work/project", tt.env); got != tt.want {
				t.Errorf("nvmDir = %q, want %q", got, tt.want)
			}
		})
	}
}

// lts are LTS aliases as nvm writes them, plus user aliases.
var lts = map[string]string{
	"lts/*":        "lts/iron\n",
	"lts/iron":     "v20.20.2\n",
	"lts/hydrogen": "v18.17.1\n",
	"lts/gallium":  "v16.20.2\n",
	"lts/fermium":  "v14.21.3\n", // not installed
	"default":      "18\n",
	"work":         "\n  lts/hydrogen  \n", // blank lines, spaces
	"chain":        "work",
	"latest":       "node",
	"loop-a":       "loop-b",
	"loop-b":       "loop-a",
	"self":         "self",
	"sys":          "system",
	"old":          "0.10",
	"gone":         "17",
	"20":           "16", // an alias wins over the number it is named as
	"empty":        "\n\n",
}

func TestResolve(t *testing.T) {
	nvm := nvmTree(t, installs, lts)
	brokenInstalls(t, nvm)
	writeFile(t, filepath.Join(nvm, "alias", "..", "outside"), "16", 0o644)
	tests := []struct {
		requested string
		want      string // the version, "system", or the error
	}{
		// Numbers: a "v" prefix; three components exact, one or two a
		// prefix ending at a dot, the newest by number.
		{"20.20.2", "v20.20.2"},
		{"v18.17.1", "v18.17.1"},
		{"18", "v18.17.1"},
		{"v18", "v18.17.1"},
		{"18.", "v18.17.1"},
		{"18.1", "v18.1.0"},
		{"18.17", "v18.17.1"},
		{"18.9", "v18.9.0"},
		{"16", "v16.20.2"},
		{"18.17.0", `N/A: version "v18.17.0" is not yet installed.`},
		{"17", `N/A: version "v17" is not yet installed.`},
		{"v17", `N/A: version "v17" is not yet installed.`},
		{"18.17.01", `N/A: version "v18.17.01" is not yet installed.`},
		{"18.17.1.0", `N/A: version "v18.17.1.0" is not yet installed.`},
		{"18.x", `N/A: version "v18.x" is not yet installed.`},
		{"1", "iojs-v1.8.4"}, // numbers match io.js too
		{"3.3.1", "iojs-v3.3.1"},

		// Installed means an executable bin/node where nvm puts the version.
		{"21", `N/A: version "v21" is not yet installed.`},
		{"21.0.0", `N/A: version "v21.0.0" is not yet installed.`},
		{"22", `N/A: version "v22" is not yet installed.`},
		{"18.99", `N/A: version "v18.99" is not yet installed.`},
		{"0.10", "v0.10.48"}, // old layout
		{"v0.10.48", "v0.10.48"},
		{"0.10.40", `N/A: version "v0.10.40" is not yet installed.`},

		// Implicit aliases.
		{"node", "v20.20.2"},
		{"stable", "v20.20.2"},
		{"iojs", "iojs-v3.3.1"},
		{"io.js", "iojs-v3.3.1"},
		{"iojs-1", "iojs-v1.8.4"},
		{"iojs-v3.3.1", "iojs-v3.3.1"},
		{"iojs-v3.3.0", `N/A: version "iojs-v3.3.0" is not yet installed.`},
		{"iojs-18", `N/A: version "iojs-v18" is not yet installed.`},
		{"system", "system"},

		// Aliases, followed as a chain.
		{"default", "v18.17.1"},
		{"work", "v18.17.1"},
		{"chain", "v18.17.1"},
		{"latest", "v20.20.2"},
		{"sys", "system"},
		{"old", "v0.10.48"},
		{"20", "v16.20.2"},
		{"gone", `N/A: version "gone -> v17" is not yet installed.`},
		{"loop-a", "alias loop: loop-a -> loop-b -> loop-a"},
		{"self", "alias loop: self -> self"},
		{"empty", `N/A: version "empty" is not yet installed.`},
		{"missing", `N/A: version "missing" is not yet installed.`},
		{"../outside", `N/A: version "../outside" is not yet installed.`},

		// LTS: exactly the version in the alias file, no fallback.
		{"lts/iron", "v20.20.2"},
		{"lts/hydrogen", "v18.17.1"},
		{"lts/fermium", `N/A: version "lts/fermium -> v14.21.3" is not yet installed.`},
		{"lts/argon", `N/A: version "lts/argon" is not yet installed.`},
		{"lts/*", "v20.20.2"},
		{"lts/-1", "v18.17.1"}, // fermium, gallium, hydrogen, iron: one before iron
		{"lts/-2", "v16.20.2"},
		{"lts/-3", `N/A: version "lts/-3 -> v14.21.3" is not yet installed.`},
		{"lts/-4", `N/A: version "lts/-4" is not yet installed.`},
		{"lts/-0", `N/A: version "lts/-0" is not yet installed.`},
	}
	for _, tt := range tests {
		t.Run(tt.requested, func(t *testing.T) {
			v, system, err := root(nvm).resolve(tt.requested)
			var got string
			switch {
			case err != nil:
				got = err.Error()
			case system:
				got = "system"
			default:
				got = v.String()
			}
			if got != tt.want {
				t.Errorf("resolve(%q) = %q, want %q", tt.requested, got, tt.want)
			}
		})
	}
}

func TestInstallDir(t *testing.T) {
	nvm := nvmTree(t, installs, nil)
	tests := map[string]string{
		"v20.20.2":    "versions/node/v20.20.2",
		"v0.10.48":    "v0.10.48",
		"iojs-v3.3.1": "versions/io.js/v3.3.1",
	}
	for requested, want := range tests {
		v, _, err := root(nvm).resolve(requested)
		if got := root(nvm).installDir(v); err != nil || got != filepath.Join(nvm, want) {
			t.Errorf("installDir of %s = %s (%v), want %s", requested, got, err, filepath.Join(nvm, want))
		}
	}
}

// project is a directory tree with .nvmrc files at several depths, beside
// an nvm directory.
type project struct {
	home, nvm string
	top, sub  string // directories with a .nvmrc
	deep      string // five levels below sub
}

func newProject(t *testing.T, aliases map[string]string) project {
	t.Helper()
	home := t.TempDir()
	p := project{home: home, nvm: filepath.Join(home, ".nvm"), top: filepath.Join(home, "src", "app")}
	p.sub = filepath.Join(p.top, "packages", "legacy")
	p.deep = filepath.Join(p.sub, "a", "b", "c", "d", "e")
	for _, dir := range installs {
		writeFile(t, filepath.Join(p.nvm, dir, "bin", "node"), "#!/bin/sh\n", 0o755)
	}
	for name, content := range aliases {
		writeFile(t, filepath.Join(p.nvm, "alias", name), content, 0o644)
	}
	writeFile(t, filepath.Join(p.top, ".nvmrc"), "20 # current\n", 0o644)
	writeFile(t, filepath.Join(p.sub, ".nvmrc"), "lts/gallium\r\n", 0o644)
	if err := os.MkdirAll(p.deep, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestChoose(t *testing.T) {
	p := newProject(t, map[string]string{"default": "18.1", "lts/gallium": "v16.20.2"})
	env := map[string]string{"HOME": p.home}
	tests := []struct {
		name, dir           string
		version, installDir string // the choice: its version and directory
		source, requested   string
	}{
		{"nvmrc in dir", p.top, "v20.20.2", "versions/node/v20.20.2", filepath.Join(p.top, ".nvmrc"), "20"},
		{"nearest nvmrc", p.sub, "v16.20.2", "versions/node/v16.20.2", filepath.Join(p.sub, ".nvmrc"), "lts/gallium"},
		{"nvmrc five levels up", p.deep, "v16.20.2", "versions/node/v16.20.2", filepath.Join(p.sub, ".nvmrc"), "lts/gallium"},
		{"nvmrc one level up", filepath.Join(p.top, "packages"), "v20.20.2", "versions/node/v20.20.2", filepath.Join(p.top, ".nvmrc"), "20"},
		{"default alias without nvmrc", p.home, "v18.1.0", "versions/node/v18.1.0", filepath.Join(p.nvm, "alias", "default"), "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok, err := Choose(context.Background(), tt.dir, env)
			if err != nil || !ok {
				t.Fatalf("Choose = %+v, %t, %v", c, ok, err)
			}
			want := Choice{Version: tt.version, Dir: filepath.Join(p.nvm, tt.installDir), Source: tt.source, Requested: tt.requested, nvmDir: p.nvm}
			if c != want {
				t.Errorf("Choose = %+v\nwant     %+v", c, want)
			}
		})
	}
}

func TestChooseSystem(t *testing.T) {
	p := newProject(t, nil) // no default alias
	tests := []struct {
		name string
		dir  string
		env  map[string]string
	}{
		{"no nvmrc and no default alias", p.home, map[string]string{"HOME": p.home}},
		{"no nvm directory", p.top, map[string]string{"HOME": p.home, "NVM_DIR": filepath.Join(p.home, "missing")}},
		{"nvm directory is a file", p.top, map[string]string{"NVM_DIR": filepath.Join(p.top, ".nvmrc")}},
		{"no variable names nvm", p.top, map[string]string{"PATH": "/usr/bin"}},
		{"relative working directory", "src/app", map[string]string{"HOME": p.home}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, ok, err := Choose(context.Background(), tt.dir, tt.env); ok || err != nil {
				t.Errorf("Choose = %+v, %t, %v; want the system's node", c, ok, err)
			}
		})
	}
	for _, system := range []string{"system\n", "sys\n"} {
		writeFile(t, filepath.Join(p.nvm, "alias", "sys"), "system", 0o644)
		writeFile(t, filepath.Join(p.top, ".nvmrc"), system, 0o644)
		if c, ok, err := Choose(context.Background(), p.top, map[string]string{"HOME": p.home}); ok || err != nil {
			t.Errorf(".nvmrc %q: Choose = %+v, %t, %v; want the system's node", system, c, ok, err)
		}
	}
}

func TestChooseErrors(t *testing.T) {
	p := newProject(t, map[string]string{"default": "17", "a": "b", "b": "a"})
	env := map[string]string{"HOME": p.home}
	nvmrc := filepath.Join(p.top, ".nvmrc")
	tests := []struct {
		name, nvmrc string // "" for no .nvmrc
		is          error
		want        string
	}{
		{"invalid nvmrc", "18\n20\n", ErrInvalidNvmrc, `invalid .nvmrc ` + nvmrc + `: two lines name a version, "18" and "20": exactly one may`},
		{"empty nvmrc", "# nothing\n", ErrInvalidNvmrc, `invalid .nvmrc ` + nvmrc + `: no line names a version`},
		{"huge nvmrc", "20\n" + strings.Repeat("#", 64<<10), ErrInvalidNvmrc, `invalid .nvmrc ` + nvmrc + `: larger than 64 KiB`},
		{"not installed", "v17\n", nil, `N/A: version "v17" is not yet installed. (asked for by ` + nvmrc + `)`},
		{"alias loop", "a", ErrAliasLoop, `alias loop: a -> b -> a (asked for by ` + nvmrc + `)`},
		{"default not installed", "", nil, `N/A: version "default -> v17" is not yet installed. (asked for by ` + filepath.Join(p.nvm, "alias", "default") + `)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(nvmrc)
			if tt.nvmrc != "" {
				writeFile(t, nvmrc, tt.nvmrc, 0o644)
			}
			c, ok, err := Choose(context.Background(), p.top, env)
			if err == nil || err.Error() != tt.want || ok {
				t.Fatalf("Choose = %+v, %t, %v; want error %q", c, ok, err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not match %v", err, tt.is)
			}
			var notInstalled *NotInstalledError
			if tt.is == nil && !errors.As(err, &notInstalled) {
				t.Errorf("error %v is no *NotInstalledError", err)
			}
		})
	}
}

// TestChooseIgnoresOwnEnvironment checks that the caller's environment and
// working directory play no part: only the config's.
func TestChooseIgnoresOwnEnvironment(t *testing.T) {
	p := newProject(t, nil)
	other := newProject(t, map[string]string{"default": "16"})
	t.Setenv("HOME", other.home)
	t.Setenv("NVM_DIR", other.nvm)
	t.Chdir(other.sub)

	c, ok, err := Choose(context.Background(), p.top, map[string]string{"HOME": p.home})
	if err != nil || !ok || c.Dir != filepath.Join(p.nvm, "versions", "node", "v20.20.2") {
		t.Errorf("Choose = %+v, %t, %v; want v20.20.2 from %s", c, ok, err, p.nvm)
	}
	if c, ok, err := Choose(context.Background(), p.home, map[string]string{"HOME": p.home}); ok || err != nil {
		t.Errorf("Choose without .nvmrc or default = %+v, %t, %v; want the system's node", c, ok, err)
	}
	if c, ok, err := Choose(context.Background(), p.top, nil); ok || err != nil {
		t.Errorf("Choose with an empty environment = %+v, %t, %v; want the system's node", c, ok, err)
	}
}

func TestChooseHonoursContext(t *testing.T) {
	p := newProject(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Choose(ctx, p.deep, map[string]string{"HOME": p.home}); !errors.Is(err, context.Canceled) {
		t.Errorf("Choose with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestEnv(t *testing.T) {
	nvm := "/home/u/.nvm"
	c := Choice{Dir: nvm + "/versions/node/v20.20.2", nvmDir: nvm}
	bin := nvm + "/versions/node/v20.20.2/bin"
	tests := []struct{ name, path, want string }{
		{"no PATH", "", bin},
		{"prepended", "/usr/bin:/bin", bin + ":/usr/bin:/bin"},
		{"replaces an nvm entry in place", "/home/u/bin:" + nvm + "/versions/node/v18.17.1/bin:/usr/bin", "/home/u/bin:" + bin + ":/usr/bin"},
		{"replaces the first nvm entry only", nvm + "/versions/node/v18.17.1/bin:" + nvm + "/versions/io.js/v3.3.1/bin", bin + ":" + nvm + "/versions/io.js/v3.3.1/bin"},
		{"replaces an old layout entry", "/opt/bin:" + nvm + "/v0.10.48/bin", "/opt/bin:" + bin},
		{"replaces its own entry", "/opt/bin:" + bin, "/opt/bin:" + bin},
		{"system directory first", "/usr/local/bin:" + nvm + "/versions/node/v18.17.1/bin", bin + ":/usr/local/bin:" + nvm + "/versions/node/v18.17.1/bin"},
		{"nvm directory itself is no installation", nvm + ":" + nvm + "/versions:/bin", bin + ":" + nvm + ":" + nvm + "/versions:/bin"},
		{"other nvm directory", "/root/.nvm/versions/node/v18.17.1/bin:/bin", bin + ":/root/.nvm/versions/node/v18.17.1/bin:/bin"},
		{"lookalike", nvm + "-old/versions/node/v18.17.1/bin", bin + ":" + nvm + "-old/versions/node/v18.17.1/bin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Env(tt.path)
			want := map[string]string{"PATH": tt.want, "NVM_BIN": bin, "NVM_INC": nvm + "/versions/node/v20.20.2/include/node"}
			if len(got) != len(want) || got["PATH"] != want["PATH"] || got["NVM_BIN"] != want["NVM_BIN"] || got["NVM_INC"] != want["NVM_INC"] {
				t.Errorf("Env(%q) =\n%v\nwant\n%v", tt.path, got, want)
			}
		})
	}
}

func TestNotInstalledWording(t *testing.T) {
	// nvm's own words, which users search for.
	err := &NotInstalledError{Version: "v17"}
	if want := `N/A: version "v17" is not yet installed.`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

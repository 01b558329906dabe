//go:build unix

package nvm

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procman-dev/procman/builtin-plugins/internal/plugintest"
	"github.com/procman-dev/procman/sdk"
	"github.com/procman-dev/procman/sdk/sdktest"
)

// On macOS nvm is most often Homebrew's. Its nvm.sh lives in Homebrew's
// prefix, not in NVM_DIR, and sets NVM_DIR to ~/.nvm when the shell has
// none, whatever XDG_CONFIG_HOME says. The tests below build that layout
// under a temporary root, with /opt/homebrew (or /usr/local) and
// /Users/me moved into it and Homebrew's own links, around the real node
// of the project's machines, /usr/bin/node.

// homebrewNvm is a Homebrew install of nvm, a home directory where nvm
// installed the real node, and a project that asks for it.
type homebrewNvm struct {
	prefix  string // Homebrew's prefix: ROOT/opt/homebrew or ROOT/usr/local
	home    string // ROOT/Users/me
	project string // ROOT/Users/me/src/app: .nvmrc names the node's major version
	version string // the node's version, "v20.20.2": the name of its directory
	bin     string // that directory's bin
}

// newHomebrewNvm builds the layout of a Homebrew install of nvm 0.40.3
// in prefix (relative to a new root): the Cellar, opt/nvm linked to it as
// Homebrew links it, and, when linkNvmSh, the links from ~/.nvm to
// nvm.sh and nvm-exec that the current formula's nvm.sh makes (older ones
// made none). The node it installed is a link to /usr/bin/node.
func newHomebrewNvm(t *testing.T, prefix string, linkNvmSh bool) homebrewNvm {
	t.Helper()
	node := plugintest.RealProgram(t, "/usr/bin/node")
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		t.Fatalf("%s --version: %v", node, err)
	}
	root := t.TempDir()
	h := homebrewNvm{
		prefix:  filepath.Join(root, prefix),
		home:    filepath.Join(root, "Users", "me"),
		version: strings.TrimSpace(string(out)),
	}
	h.project = filepath.Join(h.home, "src", "app")
	nvm := filepath.Join(h.home, ".nvm")
	h.bin = filepath.Join(nvm, "versions", "node", h.version, "bin")

	cellar := filepath.Join(h.prefix, "Cellar", "nvm", "0.40.3")
	plugintest.WriteFile(t, filepath.Join(cellar, "libexec", "nvm.sh"), "# nvm 0.40.3\n")
	plugintest.WriteFile(t, filepath.Join(cellar, "libexec", "nvm-exec"), "#!/usr/bin/env bash\n")
	plugintest.WriteFile(t, filepath.Join(cellar, "nvm.sh"), "[ -z \"$NVM_DIR\" ] && export NVM_DIR=\"$HOME/.nvm\"\n")
	plugintest.Symlink(t, "../Cellar/nvm/0.40.3", filepath.Join(h.prefix, "opt", "nvm"))
	if err := os.MkdirAll(filepath.Join(h.prefix, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if linkNvmSh {
		for _, name := range []string{"nvm.sh", "nvm-exec"} {
			plugintest.Symlink(t, filepath.Join(h.prefix, "opt", "nvm", "libexec", name), filepath.Join(nvm, name))
		}
	}
	plugintest.Symlink(t, node, filepath.Join(h.bin, "node"))
	if err := os.MkdirAll(filepath.Join(nvm, "versions", "node", h.version, "include", "node"), 0o755); err != nil {
		t.Fatal(err)
	}
	major, _, _ := strings.Cut(strings.TrimPrefix(h.version, "v"), ".")
	plugintest.WriteFile(t, filepath.Join(h.project, ".nvmrc"), major+"\n")
	// Homebrew's shell setup and others keep files in ~/.config: it
	// exists, without nvm in it.
	plugintest.WriteFile(t, filepath.Join(h.home, ".config", "git", "config"), "")
	return h
}

// TestHomebrewLayout checks that the plugin gives a process what nvm
// gives a shell where Homebrew's nvm.sh was sourced and "nvm use" run in
// the project: with HOME alone, with an XDG_CONFIG_HOME that holds no
// nvm, on Apple silicon's prefix and on an Intel Mac's, with and without
// nvm.sh in ~/.nvm. The node it resolves to runs, and is the one asked for.
func TestHomebrewLayout(t *testing.T) {
	// PATH as macOS's path_helper and "brew shellenv" leave it.
	const macPath = "/opt/homebrew/bin:/opt/homebrew/sbin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
	for _, layout := range []struct {
		name, prefix string
		linkNvmSh    bool
	}{
		{"Apple silicon", "opt/homebrew", true},
		{"Intel, nvm.sh only in Homebrew's prefix", "usr/local", false},
	} {
		h := newHomebrewNvm(t, layout.prefix, layout.linkNvmSh)
		for _, env := range []struct {
			name string
			vars map[string]string
		}{
			{"HOME", map[string]string{"HOME": h.home}},
			{"XDG_CONFIG_HOME without nvm", map[string]string{"HOME": h.home, "XDG_CONFIG_HOME": filepath.Join(h.home, ".config")}},
		} {
			t.Run(layout.name+"/"+env.name, func(t *testing.T) {
				cfg := sdk.ProcessConfig{Command: "node", Args: []string{"--version"}, Dir: h.project, Env: map[string]string{"PATH": macPath}}
				maps.Copy(cfg.Env, env.vars)

				out, err := sdktest.Apply(context.Background(), sdktest.Connect(t, Plugin{}), cfg)
				if err != nil || !out.Applicable {
					t.Fatalf("Apply = %+v, %v; want applicable", out, err)
				}
				want := maps.Clone(cfg.Env)
				want["PATH"] = h.bin + ":" + macPath
				want["NVM_BIN"] = h.bin
				want["NVM_INC"] = filepath.Join(filepath.Dir(h.bin), "include", "node")
				if !maps.Equal(out.Config.Env, want) {
					t.Errorf("env\n%v\nwant\n%v", out.Config.Env, want)
				}
				if got := strings.TrimSpace(plugintest.Run(t, out.Config)); got != h.version {
					t.Errorf("node --version says %q, want %q", got, h.version)
				}
			})
		}
	}
}

// TestHomebrewPathOrder checks where the chosen node goes in PATHs that
// macOS gives: nvm replaces its earlier entry in place behind Homebrew's
// bin, where a Homebrew node would stay in front, but puts the node first
// when /usr/local/bin, /usr/bin or /bin comes before that entry, as
// path_helper puts them.
func TestHomebrewPathOrder(t *testing.T) {
	h := newHomebrewNvm(t, "opt/homebrew", true)
	earlier := filepath.Join(h.home, ".nvm", "versions", "node", "v18.20.8", "bin") // a node used before
	brewBin := filepath.Join(h.prefix, "bin")
	tests := []struct {
		name, path, want string
	}{
		{"behind Homebrew's bin: in place", brewBin + ":" + earlier + ":/usr/bin:/bin", brewBin + ":" + h.bin + ":/usr/bin:/bin"},
		{"behind path_helper's system directories: first", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin:" + earlier, h.bin + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin:" + earlier},
	}
	remote := sdktest.Connect(t, Plugin{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := sdk.ProcessConfig{Command: "node", Dir: h.project, Env: map[string]string{"HOME": h.home, "PATH": tt.path}}
			out, err := sdktest.Apply(context.Background(), remote, cfg)
			if err != nil || !out.Applicable {
				t.Fatalf("Apply = %+v, %v; want applicable", out, err)
			}
			if got := out.Config.Env["PATH"]; got != tt.want {
				t.Errorf("PATH = %q\nwant   %q", got, tt.want)
			}
		})
	}
}

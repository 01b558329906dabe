//go:build linux

package acceptance

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/procman-dev/procman/internal/proctest"
)

// systemNode is the real node of the machine, which the nvm layout of these
// tests installs as v20.20.2.
const systemNode = "/usr/bin/node"

// nvmSetup is a home directory with nvm in it and projects, and procman
// with the nvm plugin as its only plugin.
type nvmSetup struct {
	*pluginSetup
	home, nvm string
	// env are the flags that give the child a clean environment with HOME,
	// NVM_DIR and PATH.
	env []string
}

// setupNvm builds the nvm plugin (or takes $PROCMAN_PLUGIN_NVM) into a
// directory of its own, and makes an nvm layout around the real node:
//
//	~/.nvm/versions/node/v20.20.2/bin/node   /usr/bin/node
//	~/.nvm/versions/node/v18.17.1/bin/node   a script printing v18.17.1
//	~/.nvm/versions/node/v18.1.0/bin/node    a script printing v18.1.0
//	~/.nvm/versions/node/v16.20.2/bin/node   a script printing v16.20.2
//	~/.nvm/alias/default                     16
//	~/.nvm/alias/lts/{iron,hydrogen,*}       v20.20.2, v18.17.1, lts/iron
//	~/.nvm/alias/lts/gallium                 v16.20.1, which is not installed
//
// At the end of the test, it checks that no plugin process is left and that
// procman left nothing in its temporary directory.
func setupNvm(t *testing.T) *nvmSetup {
	t.Helper()
	if _, err := os.Stat(systemNode); err != nil {
		t.Skipf("these tests run the real node: %v", err)
	}
	pluginDir, err := filepath.EvalSymlinks(proctest.TrustedDir(t))
	if err != nil {
		t.Fatal(err)
	}
	plugin := filepath.Join(pluginDir, "procman-plugin-nvm")
	if prebuilt := os.Getenv("PROCMAN_PLUGIN_NVM"); prebuilt != "" {
		data, err := os.ReadFile(prebuilt)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(plugin, data, 0o755); err != nil {
			t.Fatal(err)
		}
	} else if _, err := proctest.Build(pluginDir, "github.com/procman-dev/procman/builtin-plugins/nvm/cmd/procman-plugin-nvm", "procman-plugin-nvm"); err != nil {
		t.Fatal(err)
	}
	s := &pluginSetup{pluginPath: pluginDir, tmp: proctest.ShortTempDir(t)}
	t.Cleanup(func() {
		if pids := proctest.FindExe(plugin); len(pids) > 0 {
			t.Errorf("plugin still running after procman exited: %v", pids)
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if left, _ := os.ReadDir(s.tmp); len(left) > 0 {
			t.Errorf("procman left %d files in its TMPDIR, the first %s", len(left), left[0].Name())
		}
	})

	home := t.TempDir()
	n := &nvmSetup{pluginSetup: s, home: home, nvm: filepath.Join(home, ".nvm")}
	n.env = []string{"--clean-env", "--env", "HOME=" + home, "--env", "NVM_DIR=" + n.nvm, "--env", "PATH=/usr/bin:/bin"}
	real := filepath.Join(n.nvm, "versions/node/v20.20.2/bin/node")
	mkdirs(t, filepath.Dir(real))
	if err := os.Symlink(systemNode, real); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"v18.17.1", "v18.1.0", "v16.20.2"} {
		writeNvmFile(t, filepath.Join(n.nvm, "versions/node", v, "bin/node"), "#!/bin/sh\necho "+v+"\n", 0o755)
	}
	writeNvmFile(t, filepath.Join(n.nvm, "alias/default"), "16\n", 0o644)
	writeNvmFile(t, filepath.Join(n.nvm, "alias/lts/iron"), "v20.20.2\n", 0o644)
	writeNvmFile(t, filepath.Join(n.nvm, "alias/lts/hydrogen"), "v18.17.1\n", 0o644)
	writeNvmFile(t, filepath.Join(n.nvm, "alias/lts/gallium"), "v16.20.1\n", 0o644) // not installed
	writeNvmFile(t, filepath.Join(n.nvm, "alias/lts/*"), "lts/iron\n", 0o644)
	return n
}

// project makes a directory under the home directory, with a .nvmrc holding
// nvmrc unless that is empty.
func (n *nvmSetup) project(t *testing.T, name, nvmrc string) string {
	t.Helper()
	dir := filepath.Join(n.home, "src", name)
	mkdirs(t, dir)
	if nvmrc != "" {
		writeNvmFile(t, filepath.Join(dir, ".nvmrc"), nvmrc, 0o644)
	}
	return dir
}

// run runs CMD ARGS under procman in dir, with the marker as a last
// argument, and checks that nothing with the marker outlives procman.
func (n *nvmSetup) run(t *testing.T, subcommand, dir string, command ...string) result {
	t.Helper()
	marker := proctest.Marker(t)
	args := slices.Concat([]string{subcommand}, n.env, []string{"--cwd", dir, "--"}, command, []string{marker})
	r := run(t, n.procman(t, args...))
	if pids := proctest.Find(marker); len(pids) > 0 {
		t.Errorf("still running after procman exited: %v", pids)
	}
	return r
}

func mkdirs(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeNvmFile(t *testing.T, path, content string, perm os.FileMode) {
	t.Helper()
	mkdirs(t, filepath.Dir(path))
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
}

// TestNvmChoosesNode runs node --version in projects whose .nvmrc, or the
// lack of one, picks one of the versions that are scripts: each prints a
// version that the system's node does not.
func TestNvmChoosesNode(t *testing.T) {
	n := setupNvm(t)
	tests := []struct {
		name, nvmrc, subdir, want string
	}{
		{"exact", "v18.1.0\n", "", "v18.1.0"},
		{"major picks the newest", "18\n", "", "v18.17.1"},
		{"partial ends at a dot", "18.1\n", "", "v18.1.0"},
		{"comments and crlf", "# legacy\r\n16.20 # pinned\r\n", "", "v16.20.2"},
		{"lts alias", "lts/hydrogen\n", "", "v18.17.1"},
		{"nvmrc above the working directory", "18.17\n", "lib/a/b/c", "v18.17.1"},
		{"default alias without nvmrc", "", "", "v16.20.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(n.project(t, strings.ReplaceAll(tt.name, " ", "-"), tt.nvmrc), tt.subdir)
			mkdirs(t, dir)
			r := n.run(t, "run", dir, "node", "--version")
			r.wantExit(t, 0)
			if r.stdout != tt.want+"\n" || r.stderr != "" {
				t.Errorf("node --version = %q, want %s; stderr:\n%s", r.stdout, tt.want, r.stderr)
			}
		})
	}
}

// TestNvmRealNode checks what the real node sees when nvm chooses it, run
// directly and as the interpreter of a script that finds node through
// PATH, as npm's scripts do.
func TestNvmRealNode(t *testing.T) {
	n := setupNvm(t)
	bin := filepath.Join(n.nvm, "versions/node/v20.20.2/bin")
	const report = `console.log(process.version, process.env.NVM_BIN, process.env.NVM_INC, process.env.PATH)`
	want := strings.Join([]string{"v20.20.2", bin, filepath.Join(n.nvm, "versions/node/v20.20.2/include/node"), bin + ":/usr/bin:/bin"}, " ") + "\n"
	for _, nvmrc := range []string{"20", "v20.20.2", "lts/*", "node"} {
		t.Run(nvmrc, func(t *testing.T) {
			dir := n.project(t, strings.ReplaceAll(nvmrc, "/", "-"), nvmrc+"\n")
			r := n.run(t, "run", dir, "node", "-e", report)
			r.wantExit(t, 0)
			if r.stdout != want || r.stderr != "" {
				t.Errorf("node -e: %q, want %q; stderr:\n%s", r.stdout, want, r.stderr)
			}

			writeNvmFile(t, filepath.Join(dir, "app.js"), "#!/usr/bin/env node\n"+report+"\n", 0o755)
			r = n.run(t, "run", dir, "./app.js")
			r.wantExit(t, 0)
			if r.stdout != want || r.stderr != "" {
				t.Errorf("./app.js: %q, want %q; stderr:\n%s", r.stdout, want, r.stderr)
			}
		})
	}

	// The same script, where .nvmrc picks a node that is a shell script:
	// env finds that one.
	other := n.project(t, "other", "lts/hydrogen\n")
	writeNvmFile(t, filepath.Join(other, "app.js"), "#!/usr/bin/env node\n"+report+"\n", 0o755)
	r := n.run(t, "run", other, "./app.js")
	r.wantExit(t, 0)
	if r.stdout != "v18.17.1\n" {
		t.Errorf("./app.js under lts/hydrogen: %q, want the v18.17.1 script's output", r.stdout)
	}
}

// TestNvmFailureLeavesSystemNode checks that a .nvmrc nvm cannot honour
// costs only the plugin's change: procman warns, naming the plugin and the
// reason, and runs the system's node.
func TestNvmFailureLeavesSystemNode(t *testing.T) {
	n := setupNvm(t)
	tests := []struct {
		name, nvmrc, reason string
	}{
		{"invalid nvmrc", "18\n20\n", "invalid .nvmrc"},
		{"node key", "20\nnode=18\n", "invalid .nvmrc"},
		{"not installed", "17\n", `N/A: version \"v17\" is not yet installed.`},
		// No fallback to the v16.20.2 that is installed.
		{"lts not installed", "lts/gallium\n", `N/A: version \"lts/gallium -> v16.20.1\" is not yet installed.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := n.project(t, strings.ReplaceAll(tt.name, " ", "-"), tt.nvmrc)
			r := n.run(t, "run", dir, "node", "-e", "console.log(process.version, process.env.NVM_BIN, process.env.PATH)")
			r.wantExit(t, 0)
			if want := "v20.20.2 undefined /usr/bin:/bin\n"; r.stdout != want {
				t.Errorf("node -e: %q, want %q: the system's node, PATH unchanged", r.stdout, want)
			}
			wantWarning(t, r.stderr, "nvm")
			if !strings.Contains(r.stderr, tt.reason) || !strings.Contains(r.stderr, filepath.Join(dir, ".nvmrc")) {
				t.Errorf("stderr does not give the reason %q and the file:\n%s", tt.reason, r.stderr)
			}
		})
	}
}

// TestNvmSystem checks that a .nvmrc that asks for the system's node
// leaves everything alone, without a warning.
func TestNvmSystem(t *testing.T) {
	n := setupNvm(t)
	dir := n.project(t, "sys", "system\n")
	r := n.run(t, "run", dir, "node", "-e", "console.log(process.env.NVM_BIN, process.env.PATH)")
	r.wantExit(t, 0)
	if want := "undefined /usr/bin:/bin\n"; r.stdout != want || r.stderr != "" {
		t.Errorf("node -e: %q, want %q; stderr:\n%s", r.stdout, want, r.stderr)
	}
}

// TestNvmExplain checks that procman explain shows what the plugin chose,
// from which file, and what it changed.
func TestNvmExplain(t *testing.T) {
	n := setupNvm(t)
	dir := n.project(t, "app", "18\n")
	cwd := filepath.Join(dir, "lib")
	mkdirs(t, cwd)
	bin := filepath.Join(n.nvm, "versions/node/v18.17.1/bin")

	r := n.run(t, "explain", cwd, "node", "app.js")
	r.wantExit(t, 0)
	lines := strings.Split(r.stdout, "\n")
	i := slices.IndexFunc(lines, func(line string) bool { return strings.HasPrefix(line, "  nvm 1.0.0, priority 50: applicable (") })
	if i < 0 {
		t.Fatalf("explain shows no applicable nvm plugin:\n%s", r.stdout)
	}
	want := []string{
		"    note: node v18.17.1, asked for as 18 by " + filepath.Join(dir, ".nvmrc"),
		"    + NVM_BIN=" + bin,
		"    + NVM_INC=" + filepath.Join(n.nvm, "versions/node/v18.17.1/include/node"),
		"    Env[PATH]: + " + bin + " (first)",
	}
	if got := lines[i+1 : min(i+1+len(want), len(lines))]; !slices.Equal(got, want) {
		t.Errorf("explain shows for nvm:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if wantCommand := "Command:  " + filepath.Join(bin, "node"); lines[0] != wantCommand {
		t.Errorf("explain: %q, want %q: node resolved in the new PATH", lines[0], wantCommand)
	}
}

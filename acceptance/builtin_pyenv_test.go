//go:build linux

package acceptance

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/procman-dev/procman/internal/proctest"
)

// realPyenv is the pyenv installed on the project's machines, with 2.7.18,
// 3.6.15 to 3.9.18, 3.10.13, 3.11.7, 3.12.1 and 3.13.0.
const realPyenv = "/root/.pyenv"

// pyenvSetup runs procman with procman-plugin-pyenv as its only plugin
// executable, or with none, for its built-in pyenv plugin.
type pyenvSetup struct {
	plugin string // the plugin's executable; "" for the built-in plugin
	home   string // HOME of the commands
	// tmp is procman's TMPDIR, one for the whole test: the path of the
	// plugin's socket in it must stay short.
	tmp string
}

// setupPyenv installs procman-plugin-pyenv, $PROCMAN_PLUGIN_PYENV when set
// (prebuilt for the unprivileged run), else one built from
// builtin-plugins/pyenv. At the end of the test, it checks that no plugin
// process is left, and that procman removed what it made in its TMPDIR.
func setupPyenv(t *testing.T) *pyenvSetup {
	t.Helper()
	dir, err := filepath.EvalSymlinks(proctest.TrustedDir(t))
	if err != nil {
		t.Fatal(err)
	}
	plugin := filepath.Join(dir, "procman-plugin-pyenv")
	if prebuilt := os.Getenv("PROCMAN_PLUGIN_PYENV"); prebuilt != "" {
		data, err := os.ReadFile(prebuilt)
		if err == nil {
			err = os.WriteFile(plugin, data, 0o755)
		}
		if err != nil {
			t.Fatal(err)
		}
	} else if _, err := proctest.Build(dir, "github.com/procman-dev/procman/builtin-plugins/pyenv/cmd/procman-plugin-pyenv", "procman-plugin-pyenv"); err != nil {
		t.Fatal(err)
	}
	s := &pyenvSetup{plugin: plugin, home: t.TempDir(), tmp: proctest.ShortTempDir(t)}
	t.Cleanup(func() {
		if pids := proctest.FindExe(plugin); len(pids) > 0 {
			t.Errorf("procman-plugin-pyenv still running after procman exited: %v", pids)
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if left, _ := os.ReadDir(s.tmp); len(left) > 0 {
			t.Errorf("procman left %d files in its TMPDIR, the first %s", len(left), left[0].Name())
		}
	})
	return s
}

// setupBuiltinPyenv is setupPyenv for procman's built-in pyenv plugin:
// procman finds no plugin executable.
func setupBuiltinPyenv(t *testing.T) *pyenvSetup {
	t.Helper()
	s := &pyenvSetup{home: t.TempDir(), tmp: proctest.ShortTempDir(t)}
	t.Cleanup(func() {
		if left, _ := os.ReadDir(s.tmp); len(left) > 0 {
			t.Errorf("procman left %d files in its TMPDIR, the first %s", len(left), left[0].Name())
		}
	})
	return s
}

// procman returns a command that runs procman with args, finding the pyenv
// plugin executable and no other, or none.
func (s *pyenvSetup) procman(t *testing.T, args ...string) *exec.Cmd {
	cmd := procman(t, generousPluginTimeout(args)...)
	pluginPath := t.TempDir()
	if s.plugin != "" {
		pluginPath = filepath.Dir(s.plugin)
	}
	cmd.Env = append(os.Environ(),
		"PROCMAN_PLUGIN_PATH="+pluginPath,
		"PATH="+t.TempDir(),
		"TMPDIR="+s.tmp,
	)
	return cmd
}

// run runs command in dir under procman run with a clean environment:
// HOME, PATH=/usr/bin:/bin and env. The command gets a marker as its last
// argument, which the commands of these tests ignore.
func (s *pyenvSetup) run(t *testing.T, dir string, env []string, command ...string) result {
	t.Helper()
	args := []string{"run", "--clean-env", "--env", "HOME=" + s.home, "--env", "PATH=/usr/bin:/bin"}
	for _, kv := range env {
		args = append(args, "--env", kv)
	}
	args = slices.Concat(args, []string{"--cwd", dir, "--"}, command, []string{proctest.Marker(t)})
	return run(t, s.procman(t, args...))
}

// wantPyenvOutput fails the test unless the command exited 0 having
// printed want on stdout, or, for Python 2's --version, on stderr.
func wantPyenvOutput(t *testing.T, r result, want string) {
	t.Helper()
	r.wantExit(t, 0)
	if strings.TrimSpace(r.stdout) != want && !(r.stdout == "" && strings.Contains(r.stderr, want+"\n")) {
		t.Errorf("the command printed %q (stderr %q), want %q", r.stdout, r.stderr, want)
	}
}

// pyenvWriteFile writes content to the file at path, making its directory.
func pyenvWriteFile(t *testing.T, path, content string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
}

// pyenvProject makes a directory whose .python-version holds versionFile, and
// returns it.
func pyenvProject(t *testing.T, versionFile string) string {
	t.Helper()
	dir := t.TempDir()
	pyenvWriteFile(t, filepath.Join(dir, ".python-version"), versionFile, 0o644)
	return dir
}

// fakePyenv makes a pyenv root whose versions' python and python3 are
// shell scripts that say their name, version and PYENV_VERSION, and
// returns the root.
func fakePyenv(t *testing.T, versions ...string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "pyenv")
	for _, v := range versions {
		script := `#!/bin/sh` + "\n" + `echo "$(basename "$0") ` + v + ` PYENV_VERSION=$PYENV_VERSION"` + "\n"
		for _, name := range []string{"python", "python3"} {
			pyenvWriteFile(t, filepath.Join(root, "versions", v, "bin", name), script, 0o755)
		}
	}
	return root
}

// needRealPyenv skips the test unless this user can use the real pyenv.
func needRealPyenv(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(realPyenv, "versions")); err != nil {
		t.Skipf("the real pyenv is out of reach (%v): these tests run python from %s, which an unprivileged user cannot read", err, realPyenv)
	}
}

// TestPyenvOwnLayout runs the plugin on a pyenv root made by the test, so
// that it runs for every user: as an executable, and built into procman.
func TestPyenvOwnLayout(t *testing.T) {
	t.Run("executable", func(t *testing.T) { testPyenvOwnLayout(t, setupPyenv(t)) })
	t.Run("built in", func(t *testing.T) { testPyenvOwnLayout(t, setupBuiltinPyenv(t)) })
}

func testPyenvOwnLayout(t *testing.T, s *pyenvSetup) {
	root := fakePyenv(t, "9.8.1", "9.8.7", "9.9.0")
	proj := pyenvProject(t, "9.8\n")
	dir := filepath.Join(proj, "src", "app")
	pyenvWriteFile(t, filepath.Join(dir, "tool.py"), "#!/usr/bin/env python3\nprint('system python3 ran')\n", 0o755)
	rootEnv := "PYENV_ROOT=" + root

	t.Run("python from a subdirectory", func(t *testing.T) {
		wantPyenvOutput(t, s.run(t, dir, []string{rootEnv}, "python", "--version"), "python 9.8.7 PYENV_VERSION=9.8.7")
	})
	t.Run("env python3 script", func(t *testing.T) {
		wantPyenvOutput(t, s.run(t, dir, []string{rootEnv}, "./tool.py"), "python3 9.8.7 PYENV_VERSION=9.8.7")
	})
	t.Run("PYENV_VERSION overrides the file", func(t *testing.T) {
		wantPyenvOutput(t, s.run(t, dir, []string{rootEnv, "PYENV_VERSION=9.9"}, "python3"), "python3 9.9.0 PYENV_VERSION=9.9.0")
	})
	t.Run("PYENV_ROOT from HOME", func(t *testing.T) {
		if err := os.Symlink(root, filepath.Join(s.home, ".pyenv")); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(filepath.Join(s.home, ".pyenv"))
		wantPyenvOutput(t, s.run(t, dir, nil, "python"), "python 9.8.7 PYENV_VERSION=9.8.7")
	})
	t.Run("version not installed", func(t *testing.T) {
		missing := pyenvProject(t, "3.99\n")
		r := s.run(t, missing, []string{rootEnv}, testchildBin, "env")
		r.wantExit(t, 0)
		wantLines := []string{"HOME=" + s.home, "PATH=/usr/bin:/bin", rootEnv}
		if got := strings.Split(strings.TrimSpace(r.stdout), "\n"); !pyenvSameSet(got, wantLines) {
			t.Errorf("child environment = %q, want it unchanged: %q", got, wantLines)
		}
		wantWarning(t, r.stderr, "pyenv")
		want := "pyenv: version '3.99' is not installed (set by " + filepath.Join(missing, ".python-version") + ")"
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
		}
	})
}

func pyenvSameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(a, b)
}

func TestPyenvExplain(t *testing.T) {
	t.Run("executable", func(t *testing.T) { testPyenvExplain(t, setupPyenv(t), "pyenv 1.0.0,") })
	t.Run("built in", func(t *testing.T) { testPyenvExplain(t, setupBuiltinPyenv(t), "pyenv 1.0.0 (built in),") })
}

// testPyenvExplain checks explain's report of the plugin, which it names
// as name.
func testPyenvExplain(t *testing.T, s *pyenvSetup, name string) {
	root := fakePyenv(t, "3.11.2", "3.11.7")
	proj := pyenvProject(t, "3.11\n")
	marker := proctest.Marker(t)
	r := run(t, s.procman(t, "explain", "--clean-env", "--env", "HOME="+s.home, "--env", "PATH=/usr/bin:/bin",
		"--env", "PYENV_ROOT="+root, "--cwd", proj, "--", "python", "app.py", marker))
	r.wantExit(t, 0)
	if pids := proctest.Find(marker); len(pids) > 0 {
		t.Errorf("explain started the command: %v", pids)
	}
	bin := filepath.Join(root, "versions", "3.11.7", "bin")
	for _, want := range []string{
		"Command:  " + filepath.Join(bin, "python") + "\n",
		"  PATH=" + bin + ":/usr/bin:/bin\n",
		"  PYENV_VERSION=3.11.7\n",
		"  " + name + " priority 50: applicable (",
		"    note: python 3.11.7 for '3.11', set by " + filepath.Join(proj, ".python-version") + "\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain does not show %q:\n%s", want, r.stdout)
		}
	}
}

// TestPyenvRealVersions runs the Pythons of the real pyenv.
func TestPyenvRealVersions(t *testing.T) {
	needRealPyenv(t)
	s := setupPyenv(t)
	rootEnv := "PYENV_ROOT=" + realPyenv
	tests := []struct {
		name        string
		versionFile string
		env         []string
		command     []string
		want        string
	}{
		{"partial version", "3.11\n", nil, []string{"python", "--version"}, "Python 3.11.7"},
		{"partial version, python3", "3.11\n", nil, []string{"python3", "--version"}, "Python 3.11.7"},
		{"first of several versions", "3.12\n3.10\n", nil, []string{"python", "--version"}, "Python 3.12.1"},
		{"second of several versions", "3.12\n3.10\n", nil, []string{"python3.10", "--version"}, "Python 3.10.13"},
		{"python 2 first", "2.7\n3.11\n", nil, []string{"python", "--version"}, "Python 2.7.18"},
		{"python3 after python 2", "2.7\n3.11\n", nil, []string{"python3", "--version"}, "Python 3.11.7"},
		{"pip of the version", "3.8\n", nil, []string{"pip", "--version"}, "/versions/3.8.18/"},
		{"PYENV_VERSION overrides the file", "3.11\n", []string{"PYENV_VERSION=3.9"}, []string{"python", "--version"}, "Python 3.9.18"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(pyenvProject(t, tt.versionFile), "a", "b")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			r := s.run(t, dir, append(tt.env, rootEnv), tt.command...)
			if strings.HasPrefix(tt.want, "/") {
				r.wantExit(t, 0)
				if !strings.Contains(r.stdout, filepath.Join(realPyenv, tt.want)) {
					t.Errorf("pip says %q, want it to come from %s", r.stdout, tt.want)
				}
				return
			}
			wantPyenvOutput(t, r, tt.want)
		})
	}
}

// TestPyenvVirtualenv selects a virtual environment laid out as
// pyenv-virtualenv does, in a pyenv root whose other versions link to the
// real ones.
func TestPyenvVirtualenv(t *testing.T) {
	needRealPyenv(t)
	s := setupPyenv(t)
	root := filepath.Join(t.TempDir(), "pyenv")
	versions := filepath.Join(root, "versions")
	if err := os.MkdirAll(versions, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"3.11.7", "3.12.1"} {
		if err := os.Symlink(filepath.Join(realPyenv, "versions", v), filepath.Join(versions, v)); err != nil {
			t.Fatal(err)
		}
	}
	// versions/3.13.0 is ours, so that envs/ can go in it; its bin is the
	// real one.
	base := filepath.Join(versions, "3.13.0")
	if err := os.MkdirAll(filepath.Join(base, "envs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(realPyenv, "versions", "3.13.0", "bin"), filepath.Join(base, "bin")); err != nil {
		t.Fatal(err)
	}
	venv := filepath.Join(base, "envs", "proj-env")
	create := exec.Command(filepath.Join(base, "bin", "python3"), "-c",
		"import sys, venv; venv.create(sys.argv[1], with_pip=False)", venv, proctest.Marker(t))
	if out, err := create.CombinedOutput(); err != nil {
		t.Fatalf("creating the virtual environment: %v\n%s", err, out)
	}
	if err := os.Symlink(filepath.Join("3.13.0", "envs", "proj-env"), filepath.Join(versions, "proj-env")); err != nil {
		t.Fatal(err)
	}

	printPrefix := []string{"python", "-c", "import sys; print(sys.version.split()[0], sys.prefix)"}
	tests := []struct {
		versionFile string
		command     []string
		want        string
	}{
		{"proj-env\n", printPrefix, "3.13.0 " + filepath.Join(versions, "proj-env")},
		{"3.13.0/envs/proj-env\n", printPrefix, "3.13.0 " + venv},
		{"3.12\n", printPrefix, "3.12.1 " + filepath.Join(versions, "3.12.1")},
		{"3.11\n", []string{"python", "--version"}, "Python 3.11.7"},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSpace(tt.versionFile), func(t *testing.T) {
			wantPyenvOutput(t, s.run(t, pyenvProject(t, tt.versionFile), []string{"PYENV_ROOT=" + root}, tt.command...), tt.want)
		})
	}
}

//go:build unix

package resolve

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSelectAgreesWithPyenv runs the real pyenv on every case of
// TestSelect and checks that it selects what Select selects, and prints
// the warnings and errors that Select reports, but for pyenv's `quotes'.
func TestSelectAgreesWithPyenv(t *testing.T) {
	pyenv := findPyenv(t)
	for _, tc := range selectCases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.unlikePyenv != "" {
				t.Skip(tc.unlikePyenv)
			}
			_, dir, env := tc.setUp(t)
			sel, err := Select(dir, env)
			if err != nil {
				t.Fatalf("Select: %v", err)
			}
			var names []string
			for _, v := range sel.Versions {
				if v.Name != "" {
					names = append(names, v.Name)
				}
			}
			wantStderr := sel.Ignored
			if missing := sel.Missing(); missing != nil {
				wantStderr = append(wantStderr, strings.Split(missing.Error(), "; ")...)
			}

			cmd := exec.Command(pyenv, "version-name")
			cmd.Dir = dir
			cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "PYENV_DIR=" + dir}
			for k, v := range env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			stdout, err := cmd.Output()
			if _, exited := errors.AsType[*exec.ExitError](err); err != nil && !exited {
				t.Fatal(err)
			}
			if got, want := strings.TrimSuffix(string(stdout), "\n"), strings.Join(names, ":"); got != want {
				t.Errorf("pyenv version-name = %q, Select chose %q", got, want)
			}
			gotStderr := strings.ReplaceAll(strings.TrimSuffix(stderr.String(), "\n"), "`", "'")
			if want := strings.Join(wantStderr, "\n"); gotStderr != want {
				t.Errorf("pyenv says:\n%s\nSelect says:\n%s", gotStderr, want)
			}
			if missing := sel.Missing() != nil; missing != (cmd.ProcessState.ExitCode() == 1) {
				t.Errorf("pyenv exit status %d, but Missing() != nil is %t", cmd.ProcessState.ExitCode(), missing)
			}
		})
	}
}

// findPyenv returns the pyenv executable: pyenv on PATH, else the one in
// /root/.pyenv, where the project's machines have it.
func findPyenv(t *testing.T) string {
	if path, err := exec.LookPath("pyenv"); err == nil {
		return path
	}
	path := filepath.Join("/root", ".pyenv", "bin", "pyenv")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no pyenv to compare with: not on PATH, and %v", err)
	}
	return path
}

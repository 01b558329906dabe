//go:build linux

package acceptance

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/procman-dev/procman/internal/proctest"
)

func TestExitCodeIsMirrored(t *testing.T) {
	marker := proctest.Marker(t)
	for code := range 256 {
		r := run(t, procman(t, "run", "--", testchildBin, "exit", strconv.Itoa(code), marker))
		if r.code != code {
			t.Errorf("child exited with %d, procman with %d; stderr:\n%s", code, r.code, r.stderr)
		}
	}
}

func TestSignalDeathIs128PlusSignal(t *testing.T) {
	// Signals that end a Go program such as testchild when it is sent them.
	for _, sig := range []int{1, 2, 9, 15} {
		t.Run(strconv.Itoa(sig), func(t *testing.T) {
			marker := proctest.Marker(t)
			r := run(t, procman(t, "run", "--", testchildBin, "kill", strconv.Itoa(sig), marker))
			r.wantExit(t, 128+sig)
		})
	}
}

func TestCommandNotFound(t *testing.T) {
	marker := proctest.Marker(t)
	dir, name := filepath.Split(testchildBin)

	// Found through the PATH procman passes on...
	found := procman(t, "run", "--", name, "exit", "0", marker)
	found.Env = []string{"PATH=" + dir}
	run(t, found).wantExit(t, 0)

	// ...and not through a PATH of the command's own, even though procman's
	// PATH has it.
	notFound := procman(t, "run", "--env", "PATH=/nonexistent", "--", name, "exit", "0", marker)
	notFound.Env = []string{"PATH=" + dir}
	r := run(t, notFound)
	r.wantExit(t, 127)
	r.wantOneLine(t, strconv.Quote(name)+` not found in PATH "/nonexistent"`)

	r = run(t, procman(t, "run", "--", filepath.Join(t.TempDir(), "missing"), marker))
	r.wantExit(t, 127)
	r.wantOneLine(t, "command not found")
}

func TestCommandNotExecutable(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name    string
		command string
		message string
	}{
		{"no execute permission", write("data", "#!/bin/sh\n", 0o644), "not executable"},
		{"directory", dir, "not executable"},
		{"unknown format", write("text", "neither a script nor a program\n", 0o755), "exec format error"},
		// Like bash: the command was found, its interpreter was not.
		{"missing interpreter", write("script", "#!/nonexistent/interpreter -x\necho hi\n", 0o755), "interpreter /nonexistent/interpreter does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			marker := proctest.Marker(t)
			r := run(t, procman(t, "run", "--", tt.command, marker))
			r.wantExit(t, 126)
			r.wantOneLine(t, tt.message)
		})
	}
}

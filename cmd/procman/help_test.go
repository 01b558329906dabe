package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// procmanOutput runs the test binary as procman with args and returns its
// stdout, its stderr and its exit status.
func procmanOutput(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "PROCMAN_TEST_ROLE=procman")
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		status = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errOut.String(), status
}

func TestHelpCommandPrintsTheCommandsHelp(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string // the help's first line
	}{
		{[]string{"help"}, "Usage:"},
		{[]string{"--help"}, "Usage:"},
		{[]string{"help", "run"}, "Usage: procman run "},
		{[]string{"help", "explain"}, "Usage: procman explain "},
		{[]string{"help", "plugins"}, "Usage: procman plugins "},
		{[]string{"help", "version"}, "Usage: procman version "},
		{[]string{"help", "up"}, "Usage: procman up "},
		{[]string{"help", "ps"}, "Usage: procman ps "},
		{[]string{"help", "restart"}, "Usage: procman start|stop|restart "},
		{[]string{"help", "logs"}, "Usage: procman logs "},
		{[]string{"up", "--help"}, "Usage: procman up "},
		{[]string{"version", "-h"}, "Usage: procman version "},
	} {
		stdout, stderr, status := procmanOutput(t, tt.args...)
		if status != 0 || !strings.HasPrefix(stdout, tt.want) {
			t.Errorf("procman %s: status %d, stdout %q, stderr %q; want status 0 and help beginning %q",
				strings.Join(tt.args, " "), status, stdout, stderr, tt.want)
		}
	}
	// The same help as the command's own -h.
	viaHelp, _, _ := procmanOutput(t, "help", "run")
	viaFlag, _, _ := procmanOutput(t, "run", "-h")
	if viaHelp != viaFlag {
		t.Errorf("procman help run printed\n%s\nbut procman run -h\n%s", viaHelp, viaFlag)
	}
	for _, args := range [][]string{{"help", "bogus"}, {"help", "run", "explain"}} {
		stdout, stderr, status := procmanOutput(t, args...)
		if status != exitUsage || stdout != "" || !strings.HasPrefix(stderr, "procman help: ") {
			t.Errorf("procman %s: status %d, stdout %q, stderr %q; want status %d and one line on stderr",
				strings.Join(args, " "), status, stdout, stderr, exitUsage)
		}
	}
}

func TestVersionFlag(t *testing.T) {
	want, _, _ := procmanOutput(t, "version")
	if !strings.HasPrefix(want, "procman ") {
		t.Fatalf("procman version printed %q", want)
	}
	for _, flag := range []string{"--version", "-version"} {
		if got, stderr, status := procmanOutput(t, flag); status != 0 || got != want {
			t.Errorf("procman %s: status %d, stdout %q, stderr %q; want %q", flag, status, got, stderr, want)
		}
	}
}

package plugintest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/procman-dev/procman/sdk"
)

// RealProgram returns path, the program of a tool installed on the
// project's machines (/usr/bin/node, a JDK's java, one of pyenv's
// Pythons), after checking that it is there: the test is skipped when it
// is not.
func RealProgram(t testing.TB, path string) string {
	t.Helper()
	if info, err := os.Stat(path); err != nil || !info.Mode().IsRegular() {
		t.Skipf("no %s to build the layout around: %v", path, err)
	}
	return path
}

// Run runs cfg as procman would start it — the program cfg.Resolve finds,
// with cfg's arguments, working directory and environment and nothing of
// the test's own — waits for it to exit, and returns what it wrote to
// stdout and stderr. A program that fails, or runs longer than a minute,
// fails the test.
func Run(t testing.TB, cfg sdk.ProcessConfig) string {
	t.Helper()
	path, err := cfg.Resolve()
	if err != nil {
		t.Fatalf("the config does not resolve: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, cfg.Args...)
	cmd.Dir = cfg.Dir
	cmd.Env = []string{}
	for key, value := range cfg.Env {
		cmd.Env = append(cmd.Env, key+"="+value)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", path, cfg.Args, err, out)
	}
	return string(out)
}

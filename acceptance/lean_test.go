//go:build linux

package acceptance

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
)

// runningExe starts cmd, a procman run of testchild sleep with marker,
// waits for the child, and returns the name of the executable procman then
// runs (/proc/PID/comm); it ends procman before it returns.
func runningExe(t *testing.T, cmd *exec.Cmd, marker string) string {
	t.Helper()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if pids := proctest.Find(marker); len(pids) > 0 {
			t.Errorf("the child outlived procman: %v", pids)
		}
	}()
	// procman's own command line carries the marker too: wait for the
	// child's.
	for deadline := time.Now().Add(30 * time.Second); !childRuns(marker); {
		if time.Now().After(deadline) {
			t.Fatalf("no child within 30s; stderr:\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	// procman is not dumpable: only root may read its /proc/PID/exe, but
	// anyone its comm, the executable's name.
	comm, err := os.ReadFile("/proc/" + itoa(cmd.Process.Pid) + "/comm")
	if err != nil {
		t.Fatalf("procman's executable: %v; stderr:\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(comm))
}

// childRuns reports whether testchild runs with marker.
func childRuns(marker string) bool {
	for _, pid := range proctest.Find(marker) {
		if exe, _ := os.Readlink("/proc/" + itoa(pid) + "/exe"); exe == testchildBin {
			return true
		}
	}
	return false
}

// procman, as make builds it, is built without gRPC, and hands over to
// procman-grpc, next to it, only when it finds a plugin executable that is
// to run.
func TestLeanProcmanHandsOverForPluginExecutables(t *testing.T) {
	lean, grpcBuild := filepath.Base(procmanBin), "procman-grpc"
	tests := []struct {
		name    string
		plugins []string // the plugin executables found
		flags   []string
		want    string
	}{
		{"no plugin executable", nil, nil, lean},
		{"a plugin executable", []string{"chain"}, nil, grpcBuild},
		{"a plugin executable not selected", []string{"chain"}, []string{"--plugin", "nvm"}, lean},
		{"--no-plugins", []string{"chain"}, []string{"--no-plugins"}, lean},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := setupPlugins(t, tt.plugins)
			marker := proctest.Marker(t)
			args := append([]string{"run"}, tt.flags...)
			args = append(args, "--", testchildBin, "sleep", marker)
			if got := runningExe(t, s.procman(t, args...), marker); got != tt.want {
				t.Errorf("procman runs %s, want %s", got, tt.want)
			}
		})
	}

	t.Run("the plugin runs", func(t *testing.T) {
		s := setupPlugins(t, []string{"chain"})
		if got, want := s.childEnv(t), "CHAIN=chain\n"; got != want {
			t.Errorf("child environment = %q, want %q", got, want)
		}
	})
}

// Without procman-grpc next to it, procman runs the command without the
// plugin executables, and says why.
func TestLeanProcmanWithoutGRPCBuild(t *testing.T) {
	s := setupPlugins(t, []string{"chain"})
	alone := filepath.Join(proctest.TrustedDir(t), "procman")
	data, err := os.ReadFile(procmanBin)
	if err == nil {
		err = os.WriteFile(alone, data, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	cmd := s.procman(t, "run", "--clean-env", "--", testchildBin, "env")
	cmd.Path, cmd.Args[0] = alone, alone
	r := run(t, cmd)
	r.wantExit(t, 0)
	if strings.Contains(r.stdout, "CHAIN=") {
		t.Errorf("the chain plugin ran: %q", r.stdout)
	}
	wantWarning(t, r.stderr, "chain")
	if !strings.Contains(r.stderr, "no procman-grpc is next to it") {
		t.Errorf("stderr does not say why the plugin did not run:\n%s", r.stderr)
	}
}

// procman up and the commands that talk to it (ps, start, stop, restart,
// logs) are not in the lean build, lest their packages slow every start of
// procman run: it hands each over to procman-grpc, and says so when it
// cannot.
func TestLeanProcmanHandsUpOver(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "Procfile")
	if err := os.WriteFile(file, []byte("hello: echo hello from up\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("to procman-grpc", func(t *testing.T) {
		r := run(t, procman(t, "up", "--no-plugins", "-f", file))
		r.wantExit(t, 0)
		if !strings.Contains(r.stdout, "hello from up") {
			t.Errorf("stdout %q, want the process's line", r.stdout)
		}
		r = run(t, procman(t, "help", "ps"))
		r.wantExit(t, 0)
		if !strings.HasPrefix(r.stdout, "Usage: procman ps") {
			t.Errorf("procman help ps printed %q", r.stdout)
		}
	})

	alone := filepath.Join(t.TempDir(), "procman")
	data, err := os.ReadFile(procmanBin)
	if err == nil {
		err = os.WriteFile(alone, data, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"up", "--no-plugins", "-f", file},
		{"ps", "-f", file},
		{"stop", "-f", file, "hello"},
		{"logs", "--file", file, "hello"},
	} {
		t.Run("without procman-grpc/"+args[0], func(t *testing.T) {
			r := run(t, exec.Command(alone, args...))
			r.wantExit(t, 125)
			want := "procman " + args[0] + ": this procman is built without it (tag procman_lean), and cannot hand it over to procman-grpc: exec " + filepath.Join(filepath.Dir(alone), "procman-grpc") + ": no such file or directory\n"
			if r.stderr != want {
				t.Errorf("stderr %q, want %q", r.stderr, want)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
		})
	}
}

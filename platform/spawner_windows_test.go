package platform

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

func TestContainmentIsJobObject(t *testing.T) {
	for _, opts := range []SpawnerOptions{{}, {Minimum: ProcessGroup}, {Minimum: PIDNamespace}, {Minimum: JobObject}, {Mechanism: JobObject}} {
		c, err := DetectContainment(opts)
		if err != nil {
			t.Errorf("DetectContainment(%+v): %v", opts, err)
			continue
		}
		want := Containment{Mechanism: JobObject, Forced: opts.Mechanism == JobObject}
		if c.Mechanism != want.Mechanism || c.Forced != want.Forced || c.Guarded || c.Cgroup {
			t.Errorf("DetectContainment(%+v) = %+v, want %+v", opts, c, want)
		}
		s, err := NewSpawner(opts)
		if err != nil {
			t.Errorf("NewSpawner(%+v): %v", opts, err)
			continue
		}
		if s.Containment().Mechanism != JobObject {
			t.Errorf("NewSpawner(%+v).Containment() = %v", opts, s.Containment())
		}
		s.Close()
	}
	if got := JobObject.String(); got != "job-object" {
		t.Errorf("JobObject.String() = %q", got)
	}
	if m, err := ParseMechanism("job-object"); err != nil || m != JobObject {
		t.Errorf("ParseMechanism(job-object) = %v, %v", m, err)
	}
}

func TestOtherMechanismsRefused(t *testing.T) {
	for _, m := range []Mechanism{ProcessGroup, Subreaper, Cgroup, PIDNamespace} {
		_, err := NewSpawner(SpawnerOptions{Mechanism: m})
		if err == nil || !strings.Contains(err.Error(), m.String()) || !strings.Contains(err.Error(), "job-object") {
			t.Errorf("NewSpawner forcing %v: %v, want an error naming %v and job-object", m, err, m)
		}
	}
	for _, opts := range []SpawnerOptions{{Mechanism: JobObject + 1}, {Minimum: JobObject + 1}, {Mechanism: -1}} {
		if _, err := DetectContainment(opts); err == nil {
			t.Errorf("DetectContainment(%+v): no error", opts)
		}
	}
}

func TestSpawnerStart(t *testing.T) {
	s, err := NewSpawner(SpawnerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := s.Start(context.Background(), childSpec(t, "exit 7", os.Stderr))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	if got := waitFor(t, p); got != (ExitStatus{Code: 7}) {
		t.Errorf("Wait() = %v, want 7", got)
	}
	awaitGone(t, p)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Start(ctx, childSpec(t, "exit 0", os.Stderr)); !errors.Is(err, context.Canceled) {
		t.Errorf("Start with a cancelled context: %v", err)
	}
}

func TestProgramErrors(t *testing.T) {
	dir, err := os.MkdirTemp("", "procman-platform-test-")
	if err != nil {
		t.Fatal(err)
	}
	notProgram := filepath.Join(dir, "text.exe")
	if err := os.WriteFile(notProgram, []byte("not a program\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Remove(notProgram)
		os.Remove(dir)
	})
	spec := childSpec(t, "exit 0", os.Stderr)
	for _, tc := range []struct {
		name      string
		path, dir string
		op        string
		is        error
	}{
		{name: "missing program", path: filepath.Join(dir, "missing.exe"), op: "exec", is: fs.ErrNotExist},
		{name: "missing directory of the program", path: filepath.Join(dir, "missing", "x.exe"), op: "exec", is: fs.ErrNotExist},
		{name: "not a program", path: notProgram, op: "exec", is: windows.ERROR_BAD_EXE_FORMAT},
		{name: "a directory", path: dir, op: "exec"},
		{name: "missing working directory", path: spec.Path, dir: filepath.Join(dir, "missing"), op: "chdir"},
		{name: "working directory is a file", path: spec.Path, dir: notProgram, op: "chdir"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec
			s.Path, s.Dir = tc.path, tc.dir
			p, err := Start(s)
			if err == nil {
				p.SignalTree(9)
				p.Release()
				t.Fatal("Start succeeded")
			}
			var perr *ProgramError
			if !errors.As(err, &perr) {
				t.Fatalf("Start: %v (%T), want a *ProgramError", err, err)
			}
			want := tc.path
			if tc.op == "chdir" {
				want = tc.dir
			}
			if perr.Op != tc.op || perr.Path != want {
				t.Errorf("Start: %v: Op %q Path %q, want %q %q", err, perr.Op, perr.Path, tc.op, want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Start: %v (%#v), want one that is %v", err, perr.Err, tc.is)
			}
		})
	}
}

// TestSpecReachesProgram: arguments arrive verbatim, the environment is
// exactly Env, and the working directory is Dir.
func TestSpecReachesProgram(t *testing.T) {
	run := func(t *testing.T, spec Spec) []byte {
		t.Helper()
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		spec.Stdout = w
		p, err := Start(spec)
		w.Close()
		if err != nil {
			t.Fatal(err)
		}
		defer p.Release()
		out, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := waitFor(t, p); got != (ExitStatus{}) {
			t.Fatalf("child: %v", got)
		}
		awaitGone(t, p)
		return out
	}

	t.Run("args", func(t *testing.T) {
		args := []string{"a b", `c"d`, `e\`, `f\\"g`, "", `h\\`, "ünï cödé", "\t"}
		spec := childSpec(t, "args", nil)
		spec.Args = append(spec.Args, args...)
		var got []string
		if err := json.Unmarshal(run(t, spec), &got); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, args) {
			t.Errorf("arguments %q, want %q", got, args)
		}
	})
	t.Run("env", func(t *testing.T) {
		t.Setenv("PROCMAN_PLATFORM_TEST_HOST_ONLY", "secret")
		spec := childSpec(t, "env", nil)
		spec.Env = []string{"SystemRoot=" + os.Getenv("SystemRoot"), "A=1", "B=two words", "C=", childModeEnv + "=env"}
		var got []string
		if err := json.Unmarshal(run(t, spec), &got); err != nil {
			t.Fatal(err)
		}
		for _, kv := range spec.Env {
			if !slices.Contains(got, kv) {
				t.Errorf("environment lacks %q: %q", kv, got)
			}
		}
		for _, kv := range got {
			if strings.HasPrefix(kv, "PROCMAN_PLATFORM_TEST_HOST_ONLY=") || strings.HasPrefix(strings.ToUpper(kv), "PATH=") {
				t.Errorf("the host's %q reached the program", kv)
			}
		}
	})
	t.Run("dir", func(t *testing.T) {
		dir, err := os.MkdirTemp("", "procman-platform-test-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(dir)
		spec := childSpec(t, "dir", nil)
		spec.Dir = dir
		got := strings.TrimSpace(string(run(t, spec)))
		if !strings.EqualFold(got, dir) {
			t.Errorf("working directory %q, want %q", got, dir)
		}
	})
}

func TestHostName(t *testing.T) {
	a, err := HostName()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := HostName()
	pid, rest, ok := strings.Cut(a, "-")
	if a != b || !ok || pid != strconv.Itoa(os.Getpid()) || rest == "" || rest == "0" {
		t.Errorf("HostName() = %q, then %q; want <pid>-<creation time>", a, b)
	}
}

package platform

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/platform/internal/cgroup"
	"golang.org/x/sys/unix"
)

// startSpec starts spec's program, a shell running script with marker, and
// has its tree stopped at the end of the test.
func startSpec(t *testing.T, s *Spawner, spec Spec) *Process {
	t.Helper()
	p, err := s.Start(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopTree(t, p) })
	return p
}

// waitExec waits until pid runs the program named name (its exec done).
func waitExec(t *testing.T, pid int, name string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		if strings.TrimSpace(string(comm)) == name {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d does not run %s after 10s (comm %q)", pid, name, comm)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSpawnerGivesCredentialsAndRlimits(t *testing.T) {
	eachMechanism(t, func(t *testing.T, s *Spawner) {
		marker := proctest.Marker(t)
		spec := shellSpec(t, marker, "exec sleep 600")
		nice := 7
		spec.Nice = &nice
		spec.NoNewPrivileges = true
		spec.Rlimits = []Rlimit{{Name: "NOFILE", Resource: unix.RLIMIT_NOFILE, Soft: 64, Hard: 128}, {Name: "CORE", Resource: unix.RLIMIT_CORE, Soft: 0, Hard: RlimInfinity}}
		root := os.Geteuid() == 0
		if root {
			spec.Credential = &Credential{UID: 65534, GID: 65533, Groups: []uint32{65533, 100}}
		}
		p := startSpec(t, s, spec)
		waitExec(t, p.Pid, "sleep")

		limits := string(proctest.ReadProc(t, p.Pid, "limits"))
		for _, want := range [][]string{{"Max", "open", "files", "64", "128"}, {"Max", "core", "file", "size", "0", "unlimited"}} {
			found := false
			for line := range strings.Lines(limits) {
				f := strings.Fields(line)
				found = found || len(f) >= len(want) && strings.Join(f[:len(want)], " ") == strings.Join(want, " ")
			}
			if !found {
				t.Errorf("/proc/%d/limits has no line %q:\n%s", p.Pid, want, limits)
			}
		}
		stat := strings.Fields(string(proctest.ReadProc(t, p.Pid, "stat")))
		if stat[18] != "7" {
			t.Errorf("nice %s, want 7", stat[18])
		}
		if got := proctest.StatusField(t, p.Pid, "NoNewPrivs"); got != "1" {
			t.Errorf("NoNewPrivs %s, want 1", got)
		}
		if !root {
			return
		}
		for key, want := range map[string]string{"Uid": "65534 65534 65534 65534", "Gid": "65533 65533 65533 65533", "Groups": "100 65533"} {
			if got := proctest.StatusField(t, p.Pid, key); got != want {
				t.Errorf("%s: %s, want %s", key, got, want)
			}
		}
	})
}

func TestSpawnerKeepsTheGroupsWhenAsked(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root may change its credentials")
	}
	eachMechanism(t, func(t *testing.T, s *Spawner) {
		marker := proctest.Marker(t)
		spec := shellSpec(t, marker, "exec sleep 600")
		spec.Credential = &Credential{UID: 65534, GID: 65534, KeepGroups: true}
		p := startSpec(t, s, spec)
		waitExec(t, p.Pid, "sleep")
		if got, want := proctest.StatusField(t, p.Pid, "Groups"), proctest.StatusField(t, os.Getpid(), "Groups"); got != want {
			t.Errorf("Groups: %q, want this process's own, %q", got, want)
		}
	})
}

func TestSpawnerReportsTheRefusedStep(t *testing.T) {
	nrOpen, err := os.ReadFile("/proc/sys/fs/nr_open")
	if err != nil {
		t.Skip(err)
	}
	n, _ := strconv.ParseUint(strings.TrimSpace(string(nrOpen)), 10, 64)
	eachMechanism(t, func(t *testing.T, s *Spawner) {
		marker := proctest.Marker(t)
		// Above fs.nr_open, not even root may raise the limit of open files.
		spec := shellSpec(t, marker, "exec sleep 600")
		spec.Rlimits = []Rlimit{{Name: "NOFILE", Resource: unix.RLIMIT_NOFILE, Soft: 64, Hard: n + 1}}
		_, err := s.Start(context.Background(), spec)
		var pe *ProgramError
		if !errors.As(err, &pe) || pe.Op != "setrlimit" || pe.Path != "NOFILE" || !errors.Is(err, syscall.EPERM) {
			t.Errorf("Start with NOFILE above nr_open = %v, want a ProgramError setrlimit NOFILE: EPERM", err)
		}
		if os.Geteuid() == 0 {
			return
		}
		spec = shellSpec(t, marker, "exec sleep 600")
		spec.Credential = &Credential{UID: 0, GID: 0, KeepGroups: true}
		_, err = s.Start(context.Background(), spec)
		// EINVAL in a user namespace, where gid 0 is not mapped.
		if !errors.As(err, &pe) || pe.Op != "setgid" || !errors.Is(err, syscall.EPERM) && !errors.Is(err, syscall.EINVAL) {
			t.Errorf("Start as root by uid %d = %v, want a ProgramError setgid: EPERM or EINVAL", os.Geteuid(), err)
		}
		if pids := proctest.Find(marker); len(pids) > 0 {
			t.Errorf("refused starts left %v running", pids)
		}
	})
}

// cgroupOf returns the directory of the cgroup pid is in that holds the
// controller's limit: in the cgroup v1 hierarchy of controller when there
// is one, else in the cgroup v2 hierarchy.
func cgroupOf(t *testing.T, pid int, controller string) (dir string, v2 bool) {
	t.Helper()
	own := ""
	for line := range strings.Lines(string(proctest.ReadProc(t, pid, "cgroup"))) {
		parts := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			own = parts[2]
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == controller {
				point, root, err := v1MountOf(controller)
				if err != nil {
					t.Fatal(err)
				}
				rel, _ := filepath.Rel(root, parts[2])
				return filepath.Join(point, rel), false
			}
		}
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(mounts)) {
		before, after, _ := strings.Cut(line, " - ")
		if f := strings.Fields(before); strings.HasPrefix(after, "cgroup2 ") && f[3] == "/" {
			return filepath.Join(f[4], own), true
		}
	}
	t.Fatalf("pid %d is in no cgroup with the %s controller", pid, controller)
	return "", false
}

// v1MountOf returns where the cgroup v1 hierarchy of controller is
// mounted, and its root cgroup.
func v1MountOf(controller string) (point, root string, err error) {
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", "", err
	}
	for line := range strings.Lines(string(mounts)) {
		before, after, _ := strings.Cut(line, " - ")
		f, tail := strings.Fields(before), strings.Fields(after)
		if len(tail) >= 3 && tail[0] == "cgroup" {
			for _, c := range strings.Split(tail[2], ",") {
				if c == controller {
					return f[4], f[3], nil
				}
			}
		}
	}
	return "", "", errors.New("no cgroup v1 hierarchy of " + controller)
}

func readTrimmed(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

func TestSpawnerLimitsTheTree(t *testing.T) {
	eachMechanism(t, func(t *testing.T, s *Spawner) {
		marker := proctest.Marker(t)
		spec := shellSpec(t, marker, "exec sleep 600")
		spec.Limits = Limits{Memory: 64 << 20, CPU: 0.5, Tasks: 5}
		m, _ := s.Mechanism()
		if m == ProcessGroup {
			if _, err := s.Start(context.Background(), spec); err == nil || !strings.Contains(err.Error(), "limits:") {
				t.Errorf("Start with limits under ProcessGroup = %v, want an error saying limits need a procman-init", err)
			}
			return
		}
		if os.Geteuid() != 0 {
			_, err := s.Start(context.Background(), spec)
			if err == nil || !strings.Contains(err.Error(), "limits: no cgroup can hold") {
				t.Errorf("Start with limits as uid %d = %v, want the reason no cgroup can hold them", os.Geteuid(), err)
			}
			if pids := proctest.Find(marker); len(pids) > 0 {
				t.Errorf("a refused start left %v running", pids)
			}
			return
		}
		p := startSpec(t, s, spec)
		waitExec(t, p.Pid, "sleep")
		memory, v2 := cgroupOf(t, p.Pid, "memory")
		if v2 {
			if got := readTrimmed(t, filepath.Join(memory, "memory.max")); got != strconv.Itoa(64<<20) {
				t.Errorf("memory.max %s", got)
			}
		} else if got := readTrimmed(t, filepath.Join(memory, "memory.limit_in_bytes")); got != strconv.Itoa(64<<20) {
			t.Errorf("memory.limit_in_bytes %s", got)
		}
		cpu, v2 := cgroupOf(t, p.Pid, "cpu")
		if v2 {
			if got := readTrimmed(t, filepath.Join(cpu, "cpu.max")); got != "50000 100000" {
				t.Errorf("cpu.max %s", got)
			}
		} else if quota, period := readTrimmed(t, filepath.Join(cpu, "cpu.cfs_quota_us")), readTrimmed(t, filepath.Join(cpu, "cpu.cfs_period_us")); quota != "50000" || period != "100000" {
			t.Errorf("cpu.cfs_quota_us %s, cpu.cfs_period_us %s", quota, period)
		}
		pids, _ := cgroupOf(t, p.Pid, "pids")
		current, _ := strconv.Atoi(readTrimmed(t, filepath.Join(pids, "pids.current")))
		max, _ := strconv.Atoi(readTrimmed(t, filepath.Join(pids, "pids.max")))
		// The program (one task) and procman-init's own.
		if max-current != 5-1 {
			t.Errorf("pids.max %d with pids.current %d: room for %d more tasks, want 4", max, current, max-current)
		}
		stopTree(t, p)
		// The tree's cgroups v1 are removed with it (its cgroup v2 is the
		// mechanism's, whose tests check it).
		for _, dir := range []string{memory, cpu, pids} {
			if _, err := os.Stat(filepath.Join(dir, "cgroup.events")); err == nil {
				continue
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("cgroup v1 %s of the tree is left after Release (%v)", dir, err)
			}
		}
	})
}

func TestSpawnerCountsOOMKills(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("limits need a cgroup, which only root may make here (TestSpawnerLimitsTheTree checks the refusal)")
	}
	eachMechanism(t, func(t *testing.T, s *Spawner) {
		if m, _ := s.Mechanism(); m == ProcessGroup {
			t.Skip("no limits under ProcessGroup")
		}
		null, _ := DevNull()
		p, err := s.Start(context.Background(), Spec{
			Path: "/usr/bin/python3", Args: []string{"python3", "-c", `x = b"x" * (100 << 20)`},
			Dir: "/", Env: []string{"PATH=/usr/bin:/bin"}, Stdin: null, Stdout: null, Stderr: null,
			Limits: Limits{Memory: 32 << 20},
		})
		if err != nil {
			t.Fatal(err)
		}
		st, err := p.Wait()
		if err != nil || st.Signal != syscall.SIGKILL {
			t.Errorf("Wait = %v, %v; want the program killed", st, err)
		}
		<-p.Gone()
		if err := p.Release(); err != nil {
			t.Fatal(err)
		}
		if n := p.Usage().OOMKills; n != 1 {
			t.Errorf("Usage().OOMKills = %d, want 1", n)
		}
	})
}

func TestSpawnerLimitsInCgroupV2(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("limits need a cgroup, which only root may make here")
	}
	s, err := NewSpawner(SpawnerOptions{Mechanism: Cgroup, Grace: time.Second})
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(s.Close)
	dir := s.Containment().CgroupDir
	for _, c := range []string{"memory", "cpu", "pids"} {
		if offered, err := cgroup.Offers(dir, c); err != nil || !offered {
			controllers, _ := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
			t.Skipf("the cgroup v2 hierarchy of %s has no %s controller (it offers %q): limits go to cgroup v1 here, which TestSpawnerLimitsTheTree covers", dir, c, strings.TrimSpace(string(controllers)))
		}
	}
	marker := proctest.Marker(t)
	spec := shellSpec(t, marker, "exec sleep 600")
	spec.Limits = Limits{Memory: 64 << 20, CPU: 0.5, Tasks: 5}
	p := startSpec(t, s, spec)
	waitExec(t, p.Pid, "sleep")
	for _, c := range []string{"memory", "cpu", "pids"} {
		if dir, v2 := cgroupOf(t, p.Pid, c); !v2 {
			t.Errorf("the %s limit is in cgroup v1 %s although cgroup v2 offers the controller", c, dir)
		}
	}
}

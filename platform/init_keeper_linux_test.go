package platform

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
	"golang.org/x/sys/unix"
)

// These tests drive the two processes of a subreaper procman-init: the
// keeper, the host's child, and the supervisor it forks, the program's
// parent (see keep in internal/initimage/csrc/procman-init.c).

// TestKeeperKillsTheTreeOfAKilledInit: a program that kills its init (its
// parent, the supervisor) with SIGKILL, after starting a daemon of its own
// (setsid, double fork), does not get away: the keeper kills what is left
// of the tree before it exits, 128+9 as the supervisor did. In a PID
// namespace that kept its parent's /proc too, where the keeper translates
// the pids it reads; its PID 1 outlives the keeper until the test is done,
// lest the namespace's end kill the tree instead.
func TestKeeperKillsTheTreeOfAKilledInit(t *testing.T) {
	for _, nested := range []bool{false, true} {
		t.Run(map[bool]string{false: "in this PID namespace", true: "in a nested PID namespace"}[nested], func(t *testing.T) {
			cfg := initConfig{mode: "subreaper", grace: time.Hour}
			release := func() {}
			if nested {
				if _, err := exec.LookPath("unshare"); err != nil {
					t.Skip("unshare (util-linux) is missing")
				}
				held, hold, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { held.Close(); hold.Close() })
				release = func() { hold.Close() }
				cfg.wrap = func(initMarker string, args ...string) *exec.Cmd {
					// PID 1 waits for its stdin to close before it exits.
					cmd := nestedPIDNamespace(`read x; exit $code`, initMarker, args...)
					cmd.Stdin = held
					return cmd
				}
			}
			marker := proctest.Marker(t)
			ti := startTestInit(t, cfg)
			keeper := parentPid(t, ti.pid)
			if comm, _ := os.ReadFile("/proc/" + strconv.Itoa(keeper) + "/comm"); string(comm) != "procman-init\n" {
				t.Errorf("procman-init's supervisor is the child of %d (%q), not of a keeper", keeper, comm)
				keeper = 0
			}
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			defer w.Close()
			spec := shellSpec(t, marker, `(setsid sh -c "`+loopScript+`" "$0" &); read x; kill -9 $PPID; `+loopScript)
			spec.Stdin = r
			ti.start(t, spec)
			r.Close()
			waitTree(t, marker, ti.pid)

			w.Write([]byte("kill\n"))
			if keeper != 0 {
				waitExited(t, keeper)
			}
			if pids := proctest.Find(marker); len(pids) > 0 {
				t.Errorf("%v of the tree outlived the init it killed", pids)
			}
			release()
			ti.expectEOF(t) // the supervisor died without a word
			ti.mustExit(t)
			if code := ti.cmd.ProcessState.ExitCode(); code != 128+int(syscall.SIGKILL) {
				t.Errorf("the keeper exited %d, want %d", code, 128+syscall.SIGKILL)
			}
		})
	}
}

// waitExited waits until pid has exited: gone, or a zombie.
func waitExited(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(initTimeout)
	for st := proctest.State(pid); st != 0 && st != 'Z'; st = proctest.State(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("%d still runs after %v", pid, initTimeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestKeeperDeathStopsTheTree: a keeper killed (by a program of the tree,
// say) makes the supervisor stop the tree as when the host is gone: the
// program gets its SIGTERM, then at the end of the grace SIGKILL; the
// supervisor reports it, and exits.
func TestKeeperDeathStopsTheTree(t *testing.T) {
	ti, terms := startTermCounter(t, initConfig{mode: "subreaper", grace: 500 * time.Millisecond})
	if err := ti.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	terms.waitFor(t, 1)
	ti.expectExit(t, signaled(syscall.SIGKILL))
	ti.expectEOF(t)
	terms.want(t, 1)
	waitExited(t, ti.pid)
}

// TestKeeperExitsAsItsSupervisor: once the program has exited and the
// tree is gone, the supervisor exits 0, and so does the keeper.
func TestKeeperExitsAsItsSupervisor(t *testing.T) {
	marker := proctest.Marker(t)
	ti := startTestInit(t, initConfig{mode: "subreaper", grace: time.Second})
	if ti.pid == ti.cmd.Process.Pid {
		t.Fatalf("procman-init's supervisor is the host's child (%d), want a keeper above it", ti.pid)
	}
	if ppid := parentPid(t, ti.pid); ppid != ti.cmd.Process.Pid {
		t.Fatalf("procman-init's supervisor is the child of %d, want the keeper's (%d)", ppid, ti.cmd.Process.Pid)
	}
	ti.start(t, shellSpec(t, marker, "exit 3"))
	ti.expectExit(t, ExitStatus{Code: 3})
	ti.expectEOF(t)
	ti.mustExit(t)
	if code := ti.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("the keeper exited %d, want 0", code)
	}
}

// TestCgroupInitHasNoKeeper: given a cgroup as root, a subreaper
// procman-init is one process, the host's child, which supervises the
// tree itself and holds the cgroup locked, so that a sweep leaves the
// cgroup alone, until it exits; the cgroup holds the tree together in the
// keeper's stead.
func TestCgroupInitHasNoKeeper(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("makes a cgroup: root only")
	}
	marker := proctest.Marker(t)
	dir, cg := makeTestCgroup(t, cgroup2Mount(t), "no-keeper", marker)
	defer cg.Close()
	ti := startTestInit(t, initConfig{mode: "subreaper", grace: time.Hour, cgroup: cg, bornInCgroup: true})
	cg.Close()
	if ti.pid != ti.cmd.Process.Pid {
		t.Fatalf("the supervisor %d is not the host's child %d: a keeper runs above it", ti.pid, ti.cmd.Process.Pid)
	}
	pid := ti.start(t, shellSpec(t, marker, `exec sleep 600`))
	procs, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Fields(string(procs)), []string{strconv.Itoa(ti.pid), strconv.Itoa(pid)}; !slices.Equal(got, want) {
		t.Errorf("the cgroup holds %v, want the supervisor and the program, %v", got, want)
	}
	sweep, err := os.Open(dir) // another open file: another lock owner
	if err != nil {
		t.Fatal(err)
	}
	defer sweep.Close()
	if err := unix.Flock(int(sweep.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != unix.EWOULDBLOCK {
		t.Fatalf("exclusive lock while the supervisor runs: %v, want EWOULDBLOCK", err)
	}

	ti.sendRaw(t, msgSignalTree, int32(syscall.SIGKILL), nil, 0)
	ti.expectExit(t, signaled(syscall.SIGKILL))
	ti.expectEOF(t)
	ti.mustExit(t)
	if code := ti.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("the supervisor exited %d, want 0", code)
	}
	if err := unix.Flock(int(sweep.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Errorf("exclusive lock once the supervisor is gone: %v", err)
	}
}

// TestHostsChildHoldsTheControlSocket: the init's process that is the
// host's child (the keeper, or the process holding the PID namespace)
// keeps the control socket open until it exits, so that the host's end of
// file says it is gone too, and the host needs no descriptor to watch it.
func TestHostsChildHoldsTheControlSocket(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("procman-init is not dumpable: only root may read its descriptors")
	}
	eachInitMode(t, func(t *testing.T, mode string) {
		ti := startTestInit(t, initConfig{mode: mode, grace: time.Second})
		outer := ti.cmd.Process.Pid
		want, err := os.Readlink("/proc/" + strconv.Itoa(ti.pid) + "/fd/3") // the supervisor's, PID 1's in pidns mode
		if err != nil {
			t.Fatal(err)
		}
		if got, err := os.Readlink("/proc/" + strconv.Itoa(outer) + "/fd/3"); err != nil || got != want {
			t.Errorf("descriptor 3 of the host's child %d: %q, %v; want the control socket, %s", outer, got, err, want)
		}
		ti.conn.CloseWrite() // the host is gone: the init exits, and with it the host's child
		ti.expectEOF(t)
		ti.mustExit(t)
	})
}

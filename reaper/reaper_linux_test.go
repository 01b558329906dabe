package reaper

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
	"golang.org/x/sys/unix"
)

func TestHostDeathStopsProtectedProcessesAndRemovesTheDir(t *testing.T) {
	marker := proctest.Marker(t)
	h := startHost(t, marker, hostOptions{})
	tmp := t.TempDir()
	note := filepath.Join(tmp, "note")
	graceful := h.spawn(10*time.Second, "term-note", marker, note)
	plain := h.spawn(10*time.Second, "sleep", marker)

	sockets := filepath.Join(tmp, "sockets")
	outside := filepath.Join(tmp, "outside")
	mkdir(t, sockets)
	writeFile(t, outside)
	writeFile(t, filepath.Join(sockets, "file"))
	listenUnix(t, filepath.Join(sockets, "socket"))
	if err := os.Symlink(outside, filepath.Join(sockets, "link")); err != nil {
		t.Fatal(err)
	}
	h.do("dir", sockets)

	h.kill()
	if pids := proctest.WaitGone(marker, 10*time.Second); len(pids) > 0 {
		t.Fatalf("protected processes %v outlived their host (graceful %d, plain %d)", pids, graceful, plain)
	}
	if data, err := os.ReadFile(note); err != nil || string(data) != "term" {
		t.Errorf("the graceful process did not note a SIGTERM: %q, %v", data, err)
	}
	if !waitFor(10*time.Second, func() bool { return !exists(sockets) }) {
		t.Errorf("the protected directory %s was not removed", sockets)
	}
	if !exists(outside) {
		t.Errorf("%s, the target of a symbolic link in the protected directory, was removed", outside)
	}
}

func TestProcessIgnoringSIGTERMIsKilledAfterItsGrace(t *testing.T) {
	marker := proctest.Marker(t)
	h := startHost(t, marker, hostOptions{})
	note := filepath.Join(t.TempDir(), "note")
	stubborn := identify(t, h.spawn(300*time.Millisecond, "term-note-stay", marker, note))
	deaf := identify(t, h.spawn(300*time.Millisecond, "ignore-term", marker))
	proctest.WaitIgnoring(t, deaf.pid, syscall.SIGTERM, 10*time.Second)

	h.kill()
	if !waitFor(10*time.Second, func() bool { return !stubborn.alive() && !deaf.alive() }) {
		t.Fatalf("processes that ignore SIGTERM outlived their grace: stubborn %v, deaf %v", stubborn.alive(), deaf.alive())
	}
	if data, err := os.ReadFile(note); err != nil || string(data) != "term" {
		t.Errorf("SIGKILL came without a SIGTERM first: note %q, %v", data, err)
	}
}

func TestRecycledPidIsNeverSignalled(t *testing.T) {
	marker := proctest.Marker(t)
	h := startHost(t, marker, hostOptions{})
	// The test's own child stands for a process that got the pid of a
	// protected one that is gone: same pid, later start time.
	bystander := startOwnChild(t, marker, "trap")
	p := identify(t, bystander.Process.Pid)
	h.do("protect", strconv.Itoa(p.pid), strconv.FormatUint(p.start-1, 10), "100")
	h.do("protect", strconv.Itoa(p.pid), strconv.FormatUint(p.start+1, 10), "100")
	h.spawn(10*time.Second, "sleep", marker) // so that the reaper surely acts

	reaper := identify(t, h.reaper)
	h.kill()
	if !waitFor(10*time.Second, func() bool { return !reaper.alive() }) {
		t.Fatal("the reaper did not exit after its host's death")
	}
	if !p.alive() {
		t.Fatal("the process holding a recycled pid was stopped")
	}
	bystander.Process.Signal(syscall.SIGKILL)
	if status := exitOf(t, bystander); status.Signal() != syscall.SIGKILL {
		t.Errorf("the process holding a recycled pid ended by %v before the test killed it", status)
	}
}

func TestReaperIsRestartedAndKeepsItsRegistrations(t *testing.T) {
	marker := proctest.Marker(t)
	h := startHost(t, marker, hostOptions{})
	protected := identify(t, h.spawn(10*time.Second, "sleep", marker))
	releasedLater := h.do("spawn", "10000", "sleep", marker)
	survivor := killAtEnd(t, atoi(t, releasedLater[0]))

	// SIGTERM, as a stop of a tree the host runs in sends it: ignored.
	first := identify(t, h.reaper)
	syscall.Kill(first.pid, syscall.SIGTERM)
	proctest.WaitIgnoring(t, first.pid, syscall.SIGTERM, 10*time.Second)
	if !first.alive() || !protected.alive() || !survivor.alive() {
		t.Fatal("a reaper sent SIGTERM ended, or acted on its registrations")
	}
	// SIGKILL: the reaper ends without acting, and a new one takes over;
	// twice.
	syscall.Kill(first.pid, syscall.SIGKILL)
	second := h.nextReaper(first.pid)
	if !protected.alive() || !survivor.alive() {
		t.Fatal("a reaper killed by SIGKILL acted on its registrations")
	}
	checkName(t, second)
	syscall.Kill(second, syscall.SIGKILL)
	third := h.nextReaper(second)
	checkName(t, third)

	// Registrations made before the restarts still work both ways.
	h.do("release", releasedLater[2])
	reaper := identify(t, third)
	h.kill()
	if !waitFor(10*time.Second, func() bool { return !protected.alive() }) {
		t.Fatalf("a protected process outlived its host after two reaper restarts")
	}
	if !waitFor(10*time.Second, func() bool { return !reaper.alive() }) {
		t.Fatal("the restarted reaper did not exit after its host's death")
	}
	if !survivor.alive() {
		t.Error("a process released after the reaper's restarts was stopped")
	}
}

func checkName(t *testing.T, pid int) {
	t.Helper()
	if comm := string(proctest.ReadProc(t, pid, "comm")); comm != "procman-reaper\n" {
		t.Errorf("reaper %d is called %q, want procman-reaper", pid, comm)
	}
	if argv0, _, _ := strings.Cut(string(proctest.ReadProc(t, pid, "cmdline")), "\x00"); argv0 != "procman-reaper" {
		t.Errorf("reaper %d has argv[0] %q, want procman-reaper", pid, argv0)
	}
}

// nextReaper waits for the host to run a reaper other than old.
func (h *host) nextReaper(old int) int {
	h.t.Helper()
	var pid int
	if !waitFor(10*time.Second, func() bool {
		pid = atoi(h.t, h.do("pid")[0])
		return pid != 0 && pid != old
	}) {
		h.t.Fatalf("no reaper was started after reaper %d ended", old)
	}
	h.expectGone(pid, "restarted reaper")
	return pid
}

func TestReleasedProcessSurvivesHostDeath(t *testing.T) {
	marker := proctest.Marker(t)
	h := startHost(t, marker, hostOptions{})
	f := h.do("spawn", "10000", "sleep", marker)
	released := killAtEnd(t, atoi(t, f[0]))
	h.spawn(10*time.Second, "sleep", marker)
	h.do("release", f[2])
	h.do("release", f[2]) // idempotent

	reaper := identify(t, h.reaper)
	h.kill()
	if !waitFor(10*time.Second, func() bool { return !reaper.alive() }) {
		t.Fatal("the reaper did not exit after its host's death")
	}
	if pids := proctest.Find(marker); len(pids) != 1 || pids[0] != released.pid {
		t.Fatalf("after the host's death, processes %v run; want only the released %d", pids, released.pid)
	}
}

// TestSweepRemovesWhatDeadHostsLeft checks the start sweep of each reaper,
// the Linux one and the Go one (macOS's, run here with /proc as its
// table): it clears what dead hosts left, by the owner's pid and start
// time as the process table shows them, and nothing else.
func TestSweepRemovesWhatDeadHostsLeft(t *testing.T) {
	t.Run("linux", func(t *testing.T) {
		testSweep(t, startReaper, func(p process) string { return p.name() },
			func(prefix string, dead process) (removed, kept []string) {
				return nil, []string{
					// Made in another PID namespace's /proc, where the
					// pid is another process's: not for this reaper to
					// judge.
					fmt.Sprintf("%s%d-%d-%d-x", prefix, dead.pid, dead.start, pidNamespace+1),
					fmt.Sprintf("%s%d-%d-0-x", prefix, dead.pid, dead.start), // namespace unknown
					fmt.Sprintf("%s%d-%d-x", prefix, dead.pid, dead.start),   // no namespace
				}
			})
	})
	t.Run("go", func(t *testing.T) {
		testSweep(t, startScanReaper, func(p process) string { return fmt.Sprintf("%d-%d", p.pid, p.start) },
			func(prefix string, dead process) (removed, kept []string) {
				// macOS has no PID namespace: a third number is ignored.
				return []string{fmt.Sprintf("%s%d-%d-123-x", prefix, dead.pid, dead.start)}, nil
			})
	})
}

// testSweep runs the sweep test with the reaper that start starts, which
// names a host's directories after hostName, and the directories that
// extra says it removes and keeps besides those all reapers agree on.
func testSweep(t *testing.T, start func(testing.TB, Options) *Reaper, hostName func(process) string,
	extra func(prefix string, dead process) (removed, kept []string)) {
	// Short: a socket's path in it must fit in 107 bytes.
	base := proctest.ShortTempDir(t)
	prefix := filepath.Join(base, "procman-plugins-")
	self := identify(t, os.Getpid())
	dead := deadProcess(t)
	name := func(p process, suffix string) string {
		return prefix + hostName(p) + suffix
	}
	removed := []string{
		name(dead, "-x"),
		name(dead, ""),
		name(process{self.pid, self.start + 1}, "-x"), // its pid now belongs to another process
	}
	kept := []string{
		name(self, "-x"), // its owner lives
		name(dead, "x"),  // not a host's name
		filepath.Join(base, "other-"+strings.TrimPrefix(name(dead, "-x"), prefix)),
		name(dead, "-locked"),     // held locked by another process
		name(dead, "-registered"), // registered with a live reaper, which locks it
	}
	moreRemoved, moreKept := extra(prefix, dead)
	removed, kept = append(removed, moreRemoved...), append(kept, moreKept...)
	for _, dir := range append(removed, kept...) {
		mkdir(t, dir)
		writeFile(t, filepath.Join(dir, "file"))
	}
	lockDir(t, name(dead, "-locked"))
	if _, err := start(t, Options{}).ProtectDir(name(dead, "-registered")); err != nil {
		t.Fatal(err)
	}
	listenUnix(t, filepath.Join(removed[0], "socket"))
	// A symbolic link in a swept directory is removed, not followed.
	linked := filepath.Join(base, "linked")
	writeFile(t, linked)
	if err := os.Symlink(linked, filepath.Join(removed[0], "link")); err != nil {
		t.Fatal(err)
	}
	// A dead host's directory with a subdirectory keeps the subdirectory,
	// and so itself.
	nested := name(dead, "-nested")
	mkdir(t, filepath.Join(nested, "sub"))
	writeFile(t, filepath.Join(nested, "file"))
	writeFile(t, filepath.Join(nested, "sub", "file"))
	// A symbolic link named like a dead host's directory is not followed.
	target := filepath.Join(base, "target")
	mkdir(t, target)
	writeFile(t, filepath.Join(target, "file"))
	if err := os.Symlink(target, name(dead, "-link")); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		foreign := name(dead, "-foreign")
		mkdir(t, foreign)
		writeFile(t, filepath.Join(foreign, "file"))
		if err := os.Chown(foreign, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, foreign) // another user's
	}

	start(t, Options{SweepDirPrefixes: []string{prefix}}) // it sweeps before it answers

	for _, dir := range removed {
		if exists(dir) {
			t.Errorf("%s, left by a dead host, was not removed", dir)
		}
	}
	for _, dir := range kept {
		if !exists(filepath.Join(dir, "file")) {
			t.Errorf("%s was swept", dir)
		}
	}
	if !exists(linked) {
		t.Error("the target of a symbolic link in a swept directory was removed")
	}
	if exists(filepath.Join(nested, "file")) || !exists(filepath.Join(nested, "sub", "file")) {
		t.Errorf("a dead host's directory with a subdirectory: want its files removed and the subdirectory kept")
	}
	if !exists(name(dead, "-link")) || !exists(filepath.Join(target, "file")) {
		t.Errorf("a symbolic link named like a dead host's directory was followed or removed")
	}
}

func TestReaperHasItsOwnSessionAndIgnoresTerminalSignals(t *testing.T) {
	marker := proctest.Marker(t)
	h := startHost(t, marker, hostOptions{})
	hostSession := statField(t, h.cmd.Process.Pid, 6)
	if session := statField(t, h.reaper, 6); session == hostSession || session != strconv.Itoa(h.reaper) {
		t.Errorf("reaper %d is in session %s; want a session of its own (the host's is %s)", h.reaper, session, hostSession)
	}
	if tty := statField(t, h.reaper, 7); tty != "0" {
		t.Errorf("reaper has controlling terminal %s, want none", tty)
	}
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGPIPE,
		syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU} {
		if err := syscall.Kill(h.reaper, sig); err != nil {
			t.Fatal(err)
		}
	}
	protected := h.spawn(10*time.Second, "sleep", marker) // answered, so the signals were handled
	if pid := atoi(t, h.do("pid")[0]); pid != h.reaper {
		t.Fatalf("terminal signals ended the reaper: reaper %d replaced by %d", h.reaper, pid)
	}
	if state := proctest.State(h.reaper); state == 'T' || state == 't' {
		t.Errorf("reaper is in state %c after terminal signals, want it not stopped", state)
	}
	h.kill()
	if !waitFor(10*time.Second, func() bool { return proctest.State(protected) == 0 || proctest.State(protected) == 'Z' }) {
		t.Error("the reaper did not act after terminal signals")
	}
}

func TestCloseActsOnWhatIsStillRegistered(t *testing.T) {
	marker := proctest.Marker(t)
	r := startReaper(t, Options{})
	kept := startOwnChild(t, marker, "trap")
	released := startOwnChild(t, marker, "trap")
	for _, c := range []struct {
		cmd     *exec.Cmd
		release bool
	}{{kept, false}, {released, true}} {
		p := identify(t, c.cmd.Process.Pid)
		reg, err := r.ProtectProcess(p.pid, p.start, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if c.release {
			if err := reg.Release(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if status := exitOf(t, kept); status.ExitStatus() != 100+int(syscall.SIGTERM) {
		t.Errorf("a process still registered at Close ended with %v, want exit %d (SIGTERM caught)", status, 100+int(syscall.SIGTERM))
	}
	if _, err := r.ProtectProcess(released.Process.Pid, 1, 0); err == nil {
		t.Error("ProtectProcess after Close succeeded")
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if !identify(t, released.Process.Pid).alive() {
		t.Error("a released process was stopped by Close")
	}
}

func TestConcurrentRequestsAcrossReaperRestarts(t *testing.T) {
	r, kept, releasedID := keptAndReleased(t, time.Second)

	// Requests keep coming while the reaper is killed three times.
	stop := make(chan struct{})
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				reg, err := r.ProtectProcess(releasedID.pid, releasedID.start, time.Second)
				if err == nil {
					err = reg.Release()
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for range 3 {
		pid := waitPid(t, r, 0)
		expectGone(t, pid, "a reaper")
		syscall.Kill(pid, syscall.SIGKILL)
		waitPid(t, r, pid)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	expectGone(t, r.Pid(), "the last reaper")
	closeStops(t, r, []*exec.Cmd{kept}, releasedID)
}

// keptAndReleased starts a reaper and two children that catch SIGTERM,
// registers the first, kept, with grace, and returns the second, released,
// for the test to register and release.
func keptAndReleased(t *testing.T, grace time.Duration) (r *Reaper, kept *exec.Cmd, released process) {
	t.Helper()
	marker := proctest.Marker(t)
	r = startReaper(t, Options{})
	kept = startOwnChild(t, marker, "trap")
	released = identify(t, startOwnChild(t, marker, "trap").Process.Pid)
	keptID := identify(t, kept.Process.Pid)
	if _, err := r.ProtectProcess(keptID.pid, keptID.start, grace); err != nil {
		t.Fatal(err)
	}
	return r, kept, released
}

// closeStops closes r and checks that each of stopped, still registered,
// got its SIGTERM and that each of spared, released, still lives.
func closeStops(t *testing.T, r *Reaper, stopped []*exec.Cmd, spared ...process) {
	t.Helper()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range stopped {
		if status := exitOf(t, c); status.ExitStatus() != 100+int(syscall.SIGTERM) {
			t.Errorf("process %d, still registered at Close, ended with %v, want exit %d (SIGTERM caught)", c.Process.Pid, status, 100+int(syscall.SIGTERM))
		}
	}
	for _, p := range spared {
		if !p.alive() {
			t.Errorf("process %d, released, was stopped by Close", p.pid)
		}
	}
}

// waitPid waits for r to run a reaper other than old, and returns its pid.
func waitPid(t *testing.T, r *Reaper, old int) int {
	t.Helper()
	var pid int
	if !waitFor(10*time.Second, func() bool { pid = r.Pid(); return pid != 0 && pid != old }) {
		t.Fatalf("no reaper running after reaper %d", old)
	}
	return pid
}

// deadProcess returns a process that has exited and was reaped.
func deadProcess(t *testing.T) process {
	t.Helper()
	cmd := startOwnChild(t, proctest.Marker(t), "sleep")
	p := identify(t, cmd.Process.Pid)
	cmd.Process.Kill()
	cmd.Wait()
	return p
}

// lockDir holds a shared flock on the directory dir, as a reaper or a
// procman-init would, until the returned function or the end of the test.
func lockDir(t *testing.T, dir string) func() {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err == nil {
		if err = unix.Flock(fd, unix.LOCK_SH); err != nil {
			unix.Close(fd)
		}
	}
	if err != nil {
		t.Fatalf("lock %s: %v", dir, err)
	}
	var once sync.Once
	unlock := func() { once.Do(func() { unix.Close(fd) }) }
	t.Cleanup(unlock)
	return unlock
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// listenUnix leaves a socket file at path.
func listenUnix(t *testing.T, path string) {
	t.Helper()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
}

// Release sends its message and returns: it waits for no answer, which the
// next request reads, and the reaper, which reads every message before it
// acts, holds to it. A stopped reaper shows it: Release returns, the
// reaper is not taken for dead and replaced, and once it goes on, Close
// leaves the released process alone.
func TestReleaseWaitsForNoAnswer(t *testing.T) {
	marker := proctest.Marker(t)
	r, kept, releasedID := keptAndReleased(t, 10*time.Second)
	reg, err := r.ProtectProcess(releasedID.pid, releasedID.start, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}

	pid := r.Pid()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	err = reg.Release()
	syscall.Kill(pid, syscall.SIGCONT)
	if err != nil {
		t.Fatalf("Release: %v", err)
	}
	if now := r.Pid(); now != pid {
		t.Fatalf("the reaper was replaced (pid %d, was %d): Release waited for its answer", now, pid)
	}

	// The next request reads the release's answer before its own.
	other := startOwnChild(t, marker, "trap")
	otherID := identify(t, other.Process.Pid)
	if _, err := r.ProtectProcess(otherID.pid, otherID.start, 10*time.Second); err != nil {
		t.Fatalf("a request after the release: %v", err)
	}
	if now := r.Pid(); now != pid {
		t.Fatalf("the reaper was replaced (pid %d, was %d) at the next request", now, pid)
	}

	closeStops(t, r, []*exec.Cmd{kept, other}, releasedID)
}

// Releases in a row, far more than the socket could hold the answers of
// (without the bound on unanswered releases, the reaper blocks on its
// answers, stops reading, and is taken for dead and replaced), all hold,
// and requests after them are answered.
func TestManyReleasesInARow(t *testing.T) {
	marker := proctest.Marker(t)
	r := startReaper(t, Options{})
	released := startOwnChild(t, marker, "trap")
	id := identify(t, released.Process.Pid)
	pid := r.Pid()
	var regs []*Registration
	for range 2000 {
		reg, err := r.ProtectProcess(id.pid, id.start, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		regs = append(regs, reg)
	}
	for _, reg := range regs {
		if err := reg.Release(); err != nil {
			t.Fatal(err)
		}
	}
	kept := startOwnChild(t, marker, "trap")
	keptID := identify(t, kept.Process.Pid)
	if _, err := r.ProtectProcess(keptID.pid, keptID.start, 10*time.Second); err != nil {
		t.Fatalf("a request after %d releases: %v", len(regs), err)
	}
	if now := r.Pid(); now != pid {
		t.Fatalf("the reaper was replaced (pid %d, was %d)", now, pid)
	}
	closeStops(t, r, []*exec.Cmd{kept}, id)
}

//go:build linux || darwin

package reaper

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/internal/proctree"
	"github.com/procman-dev/procman/platform"
	"github.com/procman-dev/procman/reaper/internal/image"
	"golang.org/x/sys/unix"
)

const (
	// startTimeout bounds how long a new reaper may take to say it is
	// ready, its start sweep included.
	startTimeout = 10 * time.Second
	// answerTimeout bounds one request: a reaper that does not answer in
	// time is killed and replaced.
	answerTimeout = 5 * time.Second
	// restartWait bounds how long a request waits for a new reaper.
	restartWait = 10 * time.Second
	// closeMargin is how long Close waits beyond the longest grace period
	// before it kills the reaper.
	closeMargin = 10 * time.Second
	// Restarts back off from minBackoff to maxBackoff while reapers keep
	// failing; one that ran for stableAfter resets the backoff.
	minBackoff  = 50 * time.Millisecond
	maxBackoff  = 5 * time.Second
	stableAfter = 10 * time.Second
)

// Reaper is the host's link to its reaper process. It is safe for
// concurrent use; requests are answered one at a time, each in some tens
// of microseconds (a round trip to the reaper process), but for releases,
// which wait for no answer. A program needs
// one Reaper, closed when it is done.
type Reaper struct {
	logger hclog.Logger
	prog   program
	path   string // of the reaper program
	args   []string
	// exe makes path runnable; nil for a program a test built.
	exe     *platform.Executable
	closing chan struct{} // closed by Close
	done    chan struct{} // closed once the watcher has returned

	// mu guards the fields below, and the socket: one request at a time.
	mu    sync.Mutex
	conn  *os.File          // the host's end of the socket; nil while no reaper runs
	proc  *platform.Process // the reaper; nil while none runs
	ready chan struct{}     // closed once conn is set; a new one whenever it is dropped
	// regs holds what each live registration sent, to send it again to a
	// new reaper.
	regs   map[uint64]registered
	nextID uint64
	closed bool
	answer []byte
	// unanswered holds the ids of the releases sent on conn whose answers
	// are still to be read (see release), oldest first.
	unanswered []uint64
}

type registered struct {
	message string
	grace   time.Duration
}

// program is a reaper program: how to talk to it and what it takes.
type program struct {
	framing framing
	// closesDescriptors says the program closes what it inherits beyond
	// its socket itself (platform.Spec.ClosesDescriptors).
	closesDescriptors bool
	// noTrees and noCgroups, when not empty, say why the program takes
	// no tree (ProtectTree), or no cgroup (ProtectCgroup, ReclaimCgroup,
	// Options.SweepCgroupDirs).
	noTrees, noCgroups string
}

// scanReaper is internal/scanreaper, the reaper that holds trees together
// by scanning the process table.
var scanReaper = program{
	framing:   lines{},
	noCgroups: "no cgroups: this reaper holds trees by scanning the process table",
}

// Start starts a reaper process and returns once it answers. The process
// runs in a session of its own, so that neither the host's terminal nor
// signals to the host's process group reach it, and ignores SIGTERM,
// SIGINT, SIGHUP and SIGQUIT (a stop of a tree the host runs in sends
// those to every process of it): only the host's death or SIGKILL end it.
// It sweeps what dead hosts left behind (see Options) before it answers.
// On macOS, Options.SweepCgroupDirs must be empty.
func Start(opts Options) (*Reaper, error) {
	if len(image.Image) == 0 {
		return nil, fmt.Errorf("reaper: not built for %s/%s: %w", runtime.GOOS, runtime.GOARCH, errors.ErrUnsupported)
	}
	exe, err := platform.NewExecutable("procman-reaper", image.Image)
	if err != nil {
		return nil, fmt.Errorf("reaper: %w", err)
	}
	r, err := start(opts, exe.Path, builtin)
	if err != nil {
		exe.Close()
		return nil, err
	}
	r.exe = exe
	return r, nil
}

// start starts the reaper program prog, the executable at path, as Start
// does.
func start(opts Options, path string, prog program) (*Reaper, error) {
	args := []string{"procman-reaper", "host=" + strconv.Itoa(os.Getpid())}
	for _, p := range opts.SweepDirPrefixes {
		if !filepath.IsAbs(p) || strings.IndexByte(p, 0) >= 0 {
			return nil, fmt.Errorf("reaper: sweep directory prefix %q is not an absolute path", p)
		}
		args = append(args, "--sweep-dir-prefix="+p)
	}
	if len(opts.SweepCgroupDirs) > 0 && prog.noCgroups != "" {
		return nil, fmt.Errorf("reaper: sweep cgroup directories: %s: %w", prog.noCgroups, errors.ErrUnsupported)
	}
	for _, d := range opts.SweepCgroupDirs {
		if !filepath.IsAbs(d) || strings.IndexByte(d, 0) >= 0 {
			return nil, fmt.Errorf("reaper: sweep cgroup directory %q is not an absolute path", d)
		}
		args = append(args, "--sweep-cgroup-dir="+filepath.Clean(d))
	}
	logger := opts.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	r := &Reaper{
		logger:  logger,
		prog:    prog,
		path:    path,
		args:    args,
		closing: make(chan struct{}),
		done:    make(chan struct{}),
		ready:   make(chan struct{}),
		regs:    make(map[uint64]registered),
		answer:  make([]byte, 512),
	}
	conn, proc, err := r.spawn()
	if err != nil {
		return nil, fmt.Errorf("reaper: %w", err)
	}
	r.conn, r.proc = conn, proc
	close(r.ready)
	go r.watch(proc)
	return r, nil
}

// ProtectProcess registers the process pid (of the host's PID namespace)
// that started at startTime (platform.StartTime): when the host dies, it
// gets SIGTERM and, if it is still there after grace, SIGKILL. A process
// that is already gone, or a pid that now belongs to a process with
// another start time, is accepted and never signalled. A process the
// reaper may not signal is refused, and so is a grace beyond MaxGrace
// (ErrGraceTooLong).
func (r *Reaper) ProtectProcess(pid int, startTime uint64, grace time.Duration) (*Registration, error) {
	if pid <= 0 {
		return nil, fmt.Errorf("reaper: protect process: invalid pid %d", pid)
	}
	return r.register("protect process "+strconv.Itoa(pid), grace, func(id string) string {
		return "P " + id + " " + strconv.Itoa(pid) + " " + strconv.FormatUint(startTime, 10) + " " + milliseconds(grace)
	})
}

// ProtectCgroup registers the cgroup v2 directory path: when the host dies,
// every process in it or below gets SIGTERM, and what is left after grace
// is killed with cgroup.kill; then the cgroup and those below it are
// removed, and so is its parent if that is empty and named like a host's
// cgroup ("<pid>-<starttime>-<pidns>"). A grace beyond MaxGrace is refused
// (ErrGraceTooLong). A cgroup named after a host is held locked while
// registered (see ReclaimCgroup). On macOS, which has no cgroups, it
// returns an error wrapping errors.ErrUnsupported.
func (r *Reaper) ProtectCgroup(path string, grace time.Duration) (*Registration, error) {
	if r.prog.noCgroups != "" {
		return nil, fmt.Errorf("reaper: protect cgroup: %s: %w", r.prog.noCgroups, errors.ErrUnsupported)
	}
	if err := checkPath(path); err != nil {
		return nil, fmt.Errorf("reaper: protect cgroup: %w", err)
	}
	path = filepath.Clean(path)
	return r.register("protect cgroup "+path, grace, func(id string) string {
		return "C " + id + " " + path + " " + milliseconds(grace)
	})
}

// ReclaimCgroup registers the cgroup directory path to be reclaimed
// when the host dies, without a graceful signal: once every process
// registered with ProtectProcess and every cgroup registered with
// ProtectCgroup has stopped or been killed, and wait has passed since the
// host's death, whatever is still in the cgroup or below it is killed
// with cgroup.kill (SIGKILL where the kernel has none). Then the cgroup
// and those below it are removed, and so is its parent if that is empty
// and named like a host's cgroup ("<pid>-<starttime>-<pidns>"). An empty cgroup
// is removed without waiting.
//
// It is for cgroups whose processes another registration stops: a
// procman-init registered with ProtectProcess sends its tree the one
// SIGTERM it gets, and its cgroup is reclaimed after. A wait beyond
// MaxGrace is refused (ErrGraceTooLong).
//
// path may also be a cgroup v1 directory (where a tree's limits are, on a
// hybrid system): it and those below it are removed once no process is
// in them; the reaper kills none of those processes, which the
// registrations of their trees stop.
//
// While registered, a cgroup whose name holds a host's name
// ("<pid>-<starttime>-<pidns>", alone or followed by "-...") is held with a
// shared flock(2): the sweep of another reaper (Options.SweepCgroupDirs)
// leaves it alone until this reaper has finished with it. The reaper
// refuses the registration when it has no descriptor left for the lock.
//
// On macOS, which has no cgroups, it returns an error wrapping
// errors.ErrUnsupported.
func (r *Reaper) ReclaimCgroup(path string, wait time.Duration) (*Registration, error) {
	if r.prog.noCgroups != "" {
		return nil, fmt.Errorf("reaper: reclaim cgroup: %s: %w", r.prog.noCgroups, errors.ErrUnsupported)
	}
	if err := checkPath(path); err != nil {
		return nil, fmt.Errorf("reaper: reclaim cgroup: %w", err)
	}
	path = filepath.Clean(path)
	return r.register("reclaim cgroup "+path, wait, func(id string) string {
		return "K " + id + " " + path + " " + milliseconds(wait)
	})
}

// ProtectTree registers a tree (macOS, where the system holds none
// together): the program pid, a process group leader, that started at
// startTime, and what it starts, found by scanning the process table as
// the reaper's own scans see it: the processes of every process group and
// session a member leads, their descendants, and the processes of the
// host's user that carry tag in their environment. tag is an environment
// entry "NAME=value" whose NAME begins with "PROCMAN_TREE" (the tree's
// programs carry it). A pid of 0 (and startTime 0) registers the
// processes carrying tag alone: a tree about to start.
//
// The reaper scans the tree when it registers it and about every second
// after, while the host lives. When the host dies, every member gets
// SIGTERM once and, should members be left after grace, all are frozen
// with SIGSTOP, scanned again until no new one appears, and killed. A
// member that leaves every group and session of the tree (setsid), loses
// its parent link (a double fork) and clears tag from its environment,
// all between two scans, escapes. A root already gone is accepted;
// one the reaper may not signal is refused, and so is a grace beyond
// MaxGrace (ErrGraceTooLong).
//
// On Linux, where trees are held by cgroups and procman-init, it returns
// an error wrapping errors.ErrUnsupported.
func (r *Reaper) ProtectTree(pid int, startTime uint64, tag string, grace time.Duration) (*Registration, error) {
	if r.prog.noTrees != "" {
		return nil, fmt.Errorf("reaper: protect tree: %s: %w", r.prog.noTrees, errors.ErrUnsupported)
	}
	if pid < 0 || (pid == 0 && startTime != 0) {
		return nil, fmt.Errorf("reaper: protect tree: invalid pid %d (start time %d)", pid, startTime)
	}
	name, _, ok := strings.Cut(tag, "=")
	if !ok || !strings.HasPrefix(name, proctree.TagVar) || strings.ContainsAny(tag, " \n\x00") {
		return nil, fmt.Errorf("reaper: protect tree: tag %q is not an environment entry %s...=value without spaces", tag, proctree.TagVar)
	}
	return r.register("protect tree "+strconv.Itoa(pid), grace, func(id string) string {
		return "T " + id + " " + strconv.Itoa(pid) + " " + strconv.FormatUint(startTime, 10) + " " + milliseconds(grace) + " " + tag
	})
}

// ProtectDir registers the directory path (a directory of sockets, say):
// when the host dies, the files, sockets and symbolic links in it are
// removed (not what the links point to, not its subdirectories), and the
// directory too if that leaves it empty. A directory named after a host
// is held locked while registered (see ReclaimCgroup), against the sweeps
// of Options.SweepDirPrefixes.
func (r *Reaper) ProtectDir(path string) (*Registration, error) {
	if err := checkPath(path); err != nil {
		return nil, fmt.Errorf("reaper: protect directory: %w", err)
	}
	path = filepath.Clean(path)
	return r.register("protect directory "+path, 0, func(id string) string {
		return "D " + id + " " + path
	})
}

// Pid returns the pid of the running reaper process, which changes when it
// is restarted, or 0 while none runs.
func (r *Reaper) Pid() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.proc == nil {
		return 0
	}
	return r.proc.Pid
}

// Close stops watching the reaper and closes its socket, which the reaper
// takes for the host's death: it acts on whatever is still registered
// (nothing, if everything was released) and exits. Close waits for that,
// but kills the reaper if it takes much longer than the longest grace
// period. Close is idempotent; requests after it fail with ErrClosed.
func (r *Reaper) Close() error {
	r.mu.Lock()
	first := !r.closed
	if first {
		r.closed = true
		close(r.closing)
		r.dropConn()
	}
	limit := closeMargin
	for _, reg := range r.regs {
		limit = max(limit, closeMargin+reg.grace)
	}
	r.mu.Unlock()

	timer := time.NewTimer(limit)
	defer timer.Stop()
	var err error
	select {
	case <-r.done:
	case <-timer.C:
		r.mu.Lock()
		if r.proc != nil {
			r.proc.Signal(syscall.SIGKILL)
		}
		r.mu.Unlock()
		<-r.done
		err = fmt.Errorf("reaper: still acting %v after Close; killed", limit)
	}
	if first && r.exe != nil {
		r.exe.Close()
	}
	return err
}

// register sends the message that registers what, with an id of its own,
// unless grace is beyond MaxGrace.
func (r *Reaper) register(what string, grace time.Duration, message func(id string) string) (*Registration, error) {
	if grace > MaxGrace {
		return nil, fmt.Errorf("reaper: %s: %v: %w", what, grace, ErrGraceTooLong)
	}
	r.mu.Lock()
	r.nextID++
	id := r.nextID
	r.mu.Unlock()
	msg := message(strconv.FormatUint(id, 10))
	if err := r.prog.framing.check(msg); err != nil {
		return nil, fmt.Errorf("reaper: %s: %w", what, err)
	}
	err := r.call(id, msg, func() { r.regs[id] = registered{msg, grace} })
	if err != nil {
		return nil, fmt.Errorf("reaper: %s: %w", what, err)
	}
	return &Registration{reaper: r, id: id}, nil
}

// release sends the message that releases registration id, and returns
// without waiting for the answer: the next request reads it. The release
// holds once sent, for the reaper reads every message the host sent before
// it acts on the host's death; a tree's end thus costs no round trip.
func (r *Reaper) release(id uint64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Forgotten first: a reaper started from now on never hears of it.
	delete(r.regs, id)
	if r.closed {
		return ErrClosed
	}
	if r.conn == nil {
		return nil // the reaper that had it is gone, and the next never hears of it
	}
	err := r.conn.SetDeadline(time.Now().Add(answerTimeout))
	if err == nil {
		err = r.prog.framing.send(r.conn, "U "+strconv.FormatUint(id, 10))
	}
	if err == nil {
		r.unanswered = append(r.unanswered, id)
		if len(r.unanswered) < maxUnanswered {
			return nil
		}
		// Lest answers fill the socket and the reaper block on them.
		err = r.readUnanswered()
	}
	if err != nil {
		// Killed, it cannot act on the registration either.
		r.logger.Warn("reaper stopped answering; replacing it", "pid", r.proc.Pid, "error", err)
		r.replace()
	}
	return nil
}

// maxUnanswered is how many releases may be sent before their answers are
// read: far fewer than the socket holds.
const maxUnanswered = 32

// readUnanswered reads the answers to the releases sent on r.conn, in the
// order they were sent; a refusal is only logged. The caller holds mu and
// has set the socket's deadline.
func (r *Reaper) readUnanswered() error {
	for len(r.unanswered) > 0 {
		id := r.unanswered[0]
		answer, err := r.prog.framing.receive(r.conn, r.answer)
		if err != nil {
			return err
		}
		r.unanswered = r.unanswered[1:]
		refusal, err := parseAnswer(answer, id)
		if err != nil {
			return err
		}
		if refusal != nil {
			r.logger.Warn("reaper refused a release", "registration", id, "error", refusal)
		}
	}
	return nil
}

// call sends msg and returns the reaper's refusal, if it refused. A request
// whose reaper dies is sent again to the next one. accepted, if not nil,
// runs under mu when the reaper accepted, so that a new reaper gets either
// nothing or everything of the request.
func (r *Reaper) call(id uint64, msg string, accepted func()) error {
	deadline := time.Now().Add(restartWait)
	for {
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return ErrClosed
		}
		if r.conn == nil {
			ready := r.ready
			r.mu.Unlock()
			if err := r.waitReady(ready, deadline); err != nil {
				return err
			}
			continue
		}
		refusal, err := r.exchange(r.conn, id, msg)
		if err != nil {
			r.logger.Warn("reaper stopped answering; replacing it", "pid", r.proc.Pid, "error", err)
			r.replace()
			r.mu.Unlock()
			continue
		}
		if refusal == nil && accepted != nil {
			accepted()
		}
		r.mu.Unlock()
		return refusal
	}
}

func (r *Reaper) waitReady(ready <-chan struct{}, deadline time.Time) error {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-ready:
		return nil
	case <-r.closing:
		return ErrClosed
	case <-timer.C:
		return fmt.Errorf("%w: no reaper process running for %v", ErrUnavailable, restartWait)
	}
}

// exchange sends one message on conn and reads the answer: a refusal, nil
// for "ok", or err when the reaper cannot be talked to. The caller holds mu.
func (r *Reaper) exchange(conn *os.File, id uint64, msg string) (refusal, err error) {
	if err := conn.SetDeadline(time.Now().Add(answerTimeout)); err != nil {
		return nil, err
	}
	if err := r.prog.framing.send(conn, msg); err != nil {
		return nil, err
	}
	if conn == r.conn {
		if err := r.readUnanswered(); err != nil {
			return nil, err
		}
	}
	answer, err := r.prog.framing.receive(conn, r.answer)
	if err != nil {
		return nil, err
	}
	return parseAnswer(answer, id)
}

// parseAnswer reads the answer to request id: "ok ID" gives nil, "err ID
// REASON" a refusal whose message is REASON. Anything else, an answer to
// another request or a refusal without a reason among them, is err.
func parseAnswer(answer []byte, id uint64) (refusal, err error) {
	s := string(answer)
	want := strconv.FormatUint(id, 10)
	if rest, ok := strings.CutPrefix(s, "ok "); ok && rest == want {
		return nil, nil
	}
	if rest, ok := strings.CutPrefix(s, "err "); ok {
		if got, reason, ok := strings.Cut(rest, " "); ok && got == want && reason != "" {
			return errors.New(reason), nil
		}
	}
	return nil, fmt.Errorf("unexpected answer %q to request %s", s, want)
}

// replace kills the reaper, which no longer answers, and drops its socket;
// the watcher starts another. The caller holds mu.
func (r *Reaper) replace() {
	// Killed before its socket closes, so that it cannot take the close
	// for the host's death and act.
	r.proc.Signal(syscall.SIGKILL)
	r.dropConn()
}

// dropConn closes the socket. The caller holds mu.
func (r *Reaper) dropConn() {
	if r.conn == nil {
		return
	}
	r.conn.Close()
	r.conn = nil
	r.unanswered = nil
	r.ready = make(chan struct{})
}

// watch waits for each reaper process to exit and, until Close, starts the
// next one.
func (r *Reaper) watch(proc *platform.Process) {
	defer close(r.done)
	var backoff time.Duration
	for {
		started := time.Now()
		status, err := proc.Wait()
		r.mu.Lock()
		if err != nil {
			// Only a broken pidfd gets here; make sure it is dead before
			// its socket closes.
			proc.Signal(syscall.SIGKILL)
		}
		r.dropConn()
		r.proc = nil
		closed := r.closed
		r.mu.Unlock()
		proc.Release()
		if closed {
			return
		}
		r.logger.Warn("reaper exited; starting another", "pid", proc.Pid, "status", status.String(), "error", err)
		if time.Since(started) >= stableAfter {
			backoff = 0
		}
		if proc = r.restart(&backoff); proc == nil {
			return
		}
	}
}

// restart starts reapers until one has taken over every registration, and
// returns it; or nil once closed.
func (r *Reaper) restart(backoff *time.Duration) *platform.Process {
	for {
		if *backoff > 0 {
			select {
			case <-time.After(*backoff):
			case <-r.closing:
				r.logger.Error("reaper closed while none was running: what was still registered is not protected")
				return nil
			}
		}
		*backoff = min(max(2**backoff, minBackoff), maxBackoff)
		conn, proc, err := r.spawn()
		if err == nil {
			err = r.adopt(conn, proc)
		}
		switch {
		case errors.Is(err, ErrClosed):
			return nil
		case err != nil:
			r.logger.Error("cannot start the reaper", "error", err, "retry_in", *backoff)
		default:
			r.logger.Info("reaper restarted", "pid", proc.Pid)
			return proc
		}
	}
}

// adopt registers everything again with a new reaper and makes it the
// current one. When Close came meanwhile, the new reaper acts on the
// registrations as the old one would have, and adopt returns ErrClosed.
func (r *Reaper) adopt(conn *os.File, proc *platform.Process) error {
	r.mu.Lock()
	ids := make([]uint64, 0, len(r.regs))
	for id := range r.regs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		refusal, err := r.exchange(conn, id, r.regs[id].message)
		if err != nil {
			r.mu.Unlock()
			discard(conn, proc)
			return fmt.Errorf("register again with pid %d: %w", proc.Pid, err)
		}
		if refusal != nil {
			r.logger.Warn("reaper refused a registration it had accepted before", "message", r.regs[id].message, "error", refusal)
		}
	}
	if r.closed {
		r.mu.Unlock()
		conn.Close()
		proc.Wait()
		proc.Release()
		return ErrClosed
	}
	r.conn, r.proc = conn, proc
	close(r.ready)
	r.mu.Unlock()
	return nil
}

// spawn starts a reaper process and waits for it to be ready.
func (r *Reaper) spawn() (*os.File, *platform.Process, error) {
	fds, err := socketpair(r.prog.framing.socketType())
	if err != nil {
		return nil, nil, fmt.Errorf("socket: %w", err)
	}
	// Non-blocking, the host's end is waited on by the runtime's poller.
	if err := unix.SetNonblock(fds[0], true); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, nil, fmt.Errorf("socket: %w", err)
	}
	conn := os.NewFile(uintptr(fds[0]), "procman-reaper socket")
	theirs := os.NewFile(uintptr(fds[1]), "procman-reaper socket, reaper's end")
	defer theirs.Close()
	devNull, err := platform.DevNull()
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	proc, err := platform.Start(platform.Spec{
		Path:       r.path,
		Args:       r.args,
		Dir:        "/",
		Env:        []string{},
		Stdin:      devNull,
		Stdout:     devNull,
		Stderr:     devNull,
		ExtraFiles: []*os.File{theirs},
		NewSession: true,

		ClosesDescriptors: r.prog.closesDescriptors,
	})
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("start procman-reaper: %w", err)
	}
	if err := r.awaitReady(conn); err != nil {
		status := discard(conn, proc)
		return nil, nil, fmt.Errorf("procman-reaper (pid %d, %v) did not get ready: %w", proc.Pid, status, err)
	}
	return conn, proc, nil
}

func (r *Reaper) awaitReady(conn *os.File) error {
	if err := conn.SetReadDeadline(time.Now().Add(startTimeout)); err != nil {
		return err
	}
	greeting, err := r.prog.framing.receive(conn, make([]byte, 64))
	if err != nil {
		return err
	}
	if string(greeting) != "ready" {
		return fmt.Errorf("unexpected greeting %q", greeting)
	}
	return nil
}

// discard kills a reaper that must not act, then closes its socket and
// reaps it.
func discard(conn *os.File, proc *platform.Process) platform.ExitStatus {
	proc.Signal(syscall.SIGKILL)
	conn.Close()
	status, _ := proc.Wait()
	proc.Release()
	return status
}

func checkPath(path string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("path %q is not absolute", path)
	}
	if strings.IndexByte(path, 0) >= 0 {
		return fmt.Errorf("path %q holds a NUL byte", path)
	}
	return nil
}

// milliseconds is grace as the reaper reads it: whole milliseconds,
// rounded up, none for a negative grace.
func milliseconds(grace time.Duration) string {
	ms := (max(grace, 0) + time.Millisecond - 1) / time.Millisecond
	return strconv.FormatInt(int64(ms), 10)
}

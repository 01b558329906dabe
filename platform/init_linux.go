package platform

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/procman-dev/procman/platform/internal/cgroup"
	"golang.org/x/sys/unix"
)

// An initProc is one procman-init process (see internal/initimage/csrc): the
// parent of one managed tree. It is started ahead of time and waits, ready,
// until it is asked to start a program.
type initProc struct {
	outer   *Process       // the host's child: the keeper in subreaper mode (the supervisor itself when given a cgroup as root), the process holding PID 1's namespace in pidns mode
	conn    *ctlConn       // the control socket
	pid     int            // the supervisor's pid as the host sees it (PID 1 of the namespace in pidns mode)
	inNS    bool           // the supervisor is in a PID namespace of its own
	release func()         // undoes what was done for this init beyond the process (cgroup, protection)
	cgroup  *cgroup.Cgroup // the tree's cgroup v2, if it has one
	limits  *treeLimits    // the cgroups of the tree's limits, if it has any
}

// Messages of the control protocol; see procman-init.c.
const (
	msgReady       = 'R'
	msgStarted     = 'P'
	msgChdirFailed = 'D'
	msgExecFailed  = 'E'
	msgAttrsFailed = 'C'
	msgForkFailed  = 'F'
	msgNoProc      = 'M'
	msgExited      = 'Q' // the program exited, processes of its tree live on
	msgExitedAll   = 'W' // the program exited, and nothing is left of its tree
	msgStart       = 'X'
	msgStartInFore = 'Y' // msgStart, the program taking the terminal of its stdin
	msgSignal      = 'S'
	msgSignalTree  = 'T'
)

// initMessage is the 8-byte message of the control protocol.
type initMessage struct {
	kind  uint32
	value int32
	pid   int // the sender's pid in the host's namespace, from its credentials
}

// startInit starts procman-init from exe in mode and waits until it is
// ready. With cg, it is born in that cgroup and holds it (descriptor 4,
// locked shared for its whole life, so that no sweep of another host's
// reaper touches the cgroup while its init still stops the tree).
func startInit(exe *Executable, mode string, grace time.Duration, cg *cgroup.Cgroup) (*initProc, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	// With SO_PASSCRED, every message carries its sender's pid as this
	// process sees it, whichever namespace the sender is in.
	if err := unix.SetsockoptInt(fds[0], unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, err
	}
	initEnd := os.NewFile(uintptr(fds[1]), "procman-init control")
	defer initEnd.Close()
	conn, err := newCtlConn(fds[0], "procman-init control")
	if err != nil {
		return nil, err
	}

	null, err := DevNull()
	if err != nil {
		conn.Close()
		return nil, err
	}
	graceMS := strconv.FormatInt(grace.Milliseconds(), 10)
	spec := Spec{
		Path:       exe.Path,
		Args:       []string{"procman-init", mode, graceMS},
		Dir:        "/",
		Stdin:      null,
		Stdout:     null,
		Stderr:     null,
		ExtraFiles: []*os.File{initEnd},
		helper:     true,
	}
	cgroupFD := -1
	if cg != nil {
		cgroupFD = cg.FD()
		spec.inherit = []int{cgroupFD}
	}
	outer, err := start(spec, cgroupFD)
	if cg != nil {
		// The init holds the cgroup now (its descriptor 4), and nothing
		// else is started into it from here: the host keeps one
		// descriptor per tree, the init's socket.
		cg.CloseFD()
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("start procman-init: %w", err)
	}
	in := &initProc{outer: outer, conn: conn, inNS: mode != "subreaper"}
	conn.SetReadDeadline(time.Now().Add(initReadyTimeout))
	m, err := in.read()
	conn.SetReadDeadline(time.Time{})
	switch {
	case err != nil:
		err = fmt.Errorf("procman-init (%s) did not get ready: %w", mode, err)
	case m.kind == msgForkFailed:
		err = fmt.Errorf("procman-init (%s): %w", mode, syscall.Errno(m.value))
	case m.kind == msgNoProc:
		err = fmt.Errorf("procman-init (%s): cannot mount a private /proc: %w", mode, syscall.Errno(m.value))
	case m.kind != msgReady || m.pid <= 0:
		err = fmt.Errorf("procman-init (%s): unexpected message %q", mode, rune(m.kind))
	}
	if err != nil {
		in.close()
		return nil, err
	}
	in.pid = m.pid
	return in, nil
}

// initReadyTimeout bounds how long an init may take to get ready: a few
// milliseconds normally.
const initReadyTimeout = 10 * time.Second

// close ends an init that runs no program, or abandons one, in the
// background: with its control socket shut it stops its tree and exits.
func (in *initProc) close() { go in.end() }

// end ends an init as close does, and returns once it has exited and
// what it held is freed.
func (in *initProc) end() {
	// The init takes the end of the host's messages for the host's death;
	// the end of its own says that it and the host's child (which holds
	// the socket too) are gone.
	if in.conn.CloseWrite() == nil {
		in.drain()
	}
	in.conn.Close()
	in.outer.Wait()
	in.free()
}

// drain reads and drops the init's messages until its end of file.
func (in *initProc) drain() {
	reset := false
	for {
		if _, err := in.next(&reset); err != nil {
			return
		}
	}
}

// next reads the init's next message, as read does, but skips the reset
// that comes once when the init exited with messages of ours unread: it
// comes ahead of the reports the init had sent, still to read. reset
// records that it came.
func (in *initProc) next(reset *bool) (initMessage, error) {
	for {
		m, err := in.read()
		if errors.Is(err, syscall.ECONNRESET) && !*reset {
			*reset = true
			continue
		}
		return m, err
	}
}

// free frees what the init holds once it has exited: its socket, its
// process, and what was set up for it.
func (in *initProc) free() error {
	in.conn.Close()
	err := in.outer.Release()
	in.limits.remove()
	if in.release != nil {
		in.release()
	}
	return err
}

// read reads the init's next message (see decodeInitMessage).
func (in *initProc) read() (initMessage, error) {
	// One byte more than a message, so that a longer packet shows as one.
	var buf [9]byte
	oob := make([]byte, unix.CmsgSpace(unix.SizeofUcred))
	n, oobn, err := in.conn.ReadMsg(buf[:], oob)
	if err != nil {
		return initMessage{}, err
	}
	return decodeInitMessage(buf[:n], oob[:oobn])
}

// send sends a message, with payload in the same packet and descriptors
// along when given.
func (in *initProc) send(kind uint32, value int32, payload []byte, rights []int) error {
	buf := make([]byte, 8, 8+len(payload))
	binary.NativeEndian.PutUint32(buf[0:], kind)
	binary.NativeEndian.PutUint32(buf[4:], uint32(value))
	var oob []byte
	if rights != nil {
		oob = unix.UnixRights(rights...)
	}
	return in.conn.WriteMsg(append(buf, payload...), oob)
}

// chunk is the largest payload message: well under the socket buffer.
const chunk = 32 << 10

// run asks the init to start the program of spec and returns its pid in
// the host's namespace.
func (in *initProc) run(spec Spec) (int, error) {
	payload := startPayload(spec)
	if len(payload) > 1<<30 {
		return 0, syscall.E2BIG
	}
	rights := []int{int(spec.Stdin.Fd()), int(spec.Stdout.Fd()), int(spec.Stderr.Fd())}
	if fd, ok := procFD(spec.Path); ok {
		// A descriptor of this process: init executes the file it is
		// open on, passed along.
		rights = append(rights, fd)
	}
	kind := uint32(msgStart)
	if spec.Foreground {
		kind = msgStartInFore
	}
	n := min(len(payload), chunk)
	err := in.send(kind, int32(len(payload)), payload[:n], rights)
	payload = payload[n:]
	for len(payload) > 0 && err == nil {
		n := min(len(payload), chunk)
		_, err = in.conn.Write(payload[:n])
		payload = payload[n:]
	}
	if err != nil {
		return 0, fmt.Errorf("send to procman-init: %w", err)
	}
	m, err := in.read()
	if err != nil {
		return 0, fmt.Errorf("procman-init: %w", err)
	}
	switch m.kind {
	case msgStarted:
		return in.programPid(m)
	case msgChdirFailed:
		return 0, &ProgramError{Op: "chdir", Path: spec.Dir, Err: syscall.Errno(m.value)}
	case msgExecFailed:
		return 0, execError(spec.Path, syscall.Errno(m.value))
	case msgAttrsFailed:
		return 0, attrError(spec, m.value)
	case msgForkFailed:
		return 0, fmt.Errorf("procman-init: fork: %w", syscall.Errno(m.value))
	default:
		return 0, fmt.Errorf("procman-init: unexpected message %q", rune(m.kind))
	}
}

// startPayload is the payload of the request to start spec's program:
// NUL-terminated strings path, dir, argc, attrs, the arguments, the
// environment.
func startPayload(spec Spec) []byte {
	var payload []byte
	payload = append(payload, spec.Path...)
	payload = append(payload, 0)
	payload = append(payload, spec.Dir...)
	payload = append(payload, 0)
	payload = strconv.AppendInt(payload, int64(len(spec.Args)), 10)
	payload = append(payload, 0)
	payload = append(payload, attrs(spec)...)
	payload = append(payload, 0)
	for _, s := range spec.Args {
		payload = append(append(payload, s...), 0)
	}
	for _, s := range spec.Env {
		payload = append(append(payload, s...), 0)
	}
	return payload
}

// programPid returns the pid, as this process sees it, of the program
// whose start m reports.
func (in *initProc) programPid(m initMessage) (int, error) {
	if !in.inNS {
		return int(m.value), nil // the same namespace: the same pid
	}
	if m.pid != in.pid {
		return m.pid, nil // the program's credentials, translated by the kernel
	}
	// The init could not send the program's credentials, so they are its
	// own: the program is its only child yet.
	kids, err := children(in.pid)
	if err != nil || len(kids) != 1 {
		return 0, fmt.Errorf("procman-init started the program but its pid cannot be known (children %v, %v)", kids, err)
	}
	return kids[0], nil
}

// sendIfOpen sends a message unless the init is gone, which is not an
// error: its tree is gone with it.
func (in *initProc) sendIfOpen(kind uint32, value int32) error {
	err := in.send(kind, value, nil, nil)
	if err != nil && (errors.Is(err, os.ErrClosed) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)) {
		return nil
	}
	return err
}

// runProgram starts spec through in and returns the Process, watched by
// a goroutine that reads the init's reports until it exits.
func runProgram(ctx context.Context, in *initProc, spec Spec) (*Process, error) {
	// A done ctx interrupts the wait for the init's answer.
	stop := context.AfterFunc(ctx, func() { in.conn.SetDeadline(time.Now()) })
	pid, err := in.run(spec)
	if !stop() && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		in.close() // it stops whatever it had started
		return nil, err
	}
	t := &initTree{init: in, exited: make(chan struct{}), goneCh: make(chan struct{})}
	go t.watch()
	return &Process{Pid: pid, tree: t}, nil
}

// An initTree is a program started by a procman-init, and the tree the
// init holds.
type initTree struct {
	init *initProc

	exited chan struct{} // closed once the program's exit is known
	exit   ExitStatus    // set before exited is closed
	err    error         // set before exited is closed
	empty  bool          // the init reported the tree empty; set before exited is closed

	goneCh chan struct{} // closed once the init has exited, its tree gone

	oomKills int // counted by release, before the cgroups go
}

func (t *initTree) wait() (ExitStatus, error) {
	<-t.exited
	return t.exit, t.err
}

func (t *initTree) signal(sig syscall.Signal) error {
	select {
	case <-t.exited:
		return nil
	default:
	}
	return t.init.sendIfOpen(msgSignal, int32(sig))
}

func (t *initTree) signalTree(sig syscall.Signal) error {
	return t.init.sendIfOpen(msgSignalTree, int32(sig))
}

// members walks the tree, unless the init said it is empty: it reports
// with the program's exit whether it has a child left, so the walk is
// needed only for a tree that lives on without its program.
func (t *initTree) members() ([]int, error) {
	select {
	case <-t.goneCh:
		return nil, nil
	case <-t.exited:
		if t.empty {
			return nil, nil
		}
	default:
	}
	return liveDescendants(t.init.pid)
}

func (t *initTree) gone() <-chan struct{} { return t.goneCh }

func (t *initTree) release() error {
	t.oomKills = t.init.limits.oomKills()
	return t.init.free()
}

// usage is what the init's outer process used: each level of the init
// reaps the next, and the init every process of the tree, so it is the
// tree's.
func (t *initTree) usage() Usage {
	u := t.init.outer.Usage()
	u.OOMKills = t.oomKills
	return u
}

// watch reads the init's reports: the program's exit, then end of file
// once the tree is gone and the init exits.
func (t *initTree) watch() {
	reported := false
	reset := false
	for {
		m, err := t.init.next(&reset)
		if err != nil {
			break
		}
		if (m.kind == msgExited || m.kind == msgExitedAll) && !reported {
			t.exit = waitStatus(m.value)
			t.empty = m.kind == msgExitedAll
			reported = true
			close(t.exited)
		}
	}
	_, err := t.init.outer.Wait()
	if cg := t.init.cgroup; cg != nil && !(reported && t.empty) {
		// An init given a cgroup as root has no keeper (see
		// procman-init): a supervisor that died before its tree left
		// the rest in the cgroup, killed here before the tree is
		// reported gone.
		killRemains(cg)
	}
	if !reported {
		if err == nil {
			err = errors.New("procman-init ended before the program did (was it killed?)")
		}
		t.err = err
		close(t.exited)
	}
	close(t.goneCh)
}

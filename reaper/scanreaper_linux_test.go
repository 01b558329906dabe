package reaper

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/internal/proctree"
	"github.com/procman-dev/procman/platform"
)

// The Go reaper (internal/scanreaper), macOS's, runs here on Linux with
// /proc as its process table: built for linux by the tests, and driven
// through this package's client with the framing macOS uses (lines on a
// SOCK_STREAM socket), against real processes. The test binary plays, as
// for the Linux reaper's tests but chosen by variables of its own, a fake
// host (scanHostEnv) that starts the Go reaper, registers what the test
// tells it to on stdin and is then SIGKILLed, and the processes it
// registers (scanChildEnv).
const (
	scanHostEnv  = "PROCMAN_SCANREAPER_TEST_HOST"
	scanChildEnv = "PROCMAN_SCANREAPER_TEST_CHILD"
	// scanReaperEnv names a prebuilt Go reaper, for a run whose user
	// cannot build one (the unprivileged run).
	scanReaperEnv = "PROCMAN_SCANREAPER"
)

// init runs the parts before TestMain, whose own are chosen by other
// variables.
func init() {
	if os.Getenv(scanChildEnv) != "" && len(os.Args) >= 3 {
		os.Exit(scanChild(os.Args[1], os.Args[2], os.Args[3:]))
	}
	if opts := os.Getenv(scanHostEnv); opts != "" {
		os.Exit(scanFakeHost(opts))
	}
}

// buildScanReaper returns the Go reaper built for this system: the one
// $PROCMAN_SCANREAPER names, else one built into a directory of the test.
func buildScanReaper(t testing.TB) string {
	t.Helper()
	if path := os.Getenv(scanReaperEnv); path != "" {
		return path
	}
	path, err := proctest.Build(t.TempDir(), "github.com/procman-dev/procman/reaper/internal/scanreaper", "procman-reaper")
	if err != nil {
		t.Fatalf("%v (set %s to a prebuilt one)", err, scanReaperEnv)
	}
	return path
}

// startScanReaper starts the Go reaper from the test, closed at the end
// of the test and gone then.
func startScanReaper(t testing.TB, opts Options) *Reaper {
	t.Helper()
	r, err := start(opts, buildScanReaper(t), scanReaper)
	if err != nil {
		t.Fatal(err)
	}
	expectGone(t, r.Pid(), "the Go reaper")
	t.Cleanup(func() { r.Close() })
	return r
}

// ---- the registered processes ----

// scanChild is a registered process, started with the arguments MARKER
// MODE ARGS... and the environment of its parent (a tree's tag with it).
// Every mode prints "ready" once its signal handling is set and its
// children are ready, then waits.
//
//	sleep               wait; SIGTERM ends it
//	ignore-term         ignore SIGTERM
//	note DIR NAME       on SIGTERM write DIR/NAME, then exit
//	note-stay DIR NAME  on SIGTERM write DIR/NAME, and go on
//	root DIR            a tree's root, "note DIR root", which starts in
//	                    its process group "note-stay DIR stubborn" and
//	                    "ignore-term", and "daemonize DIR"
//	daemonize DIR       a session of its own, in which it starts
//	                    "note DIR daemon", then exits: a double-forked
//	                    daemon, whose only tie to its tree is the tag
//	escaper DIR         a tree's root, "note DIR root", which once the
//	                    file DIR/go exists starts "hideaway DIR"
//	hideaway DIR        a session of its own, without the tag, in which
//	                    it starts "note DIR hidden", then exits once the
//	                    file DIR/exit exists
func scanChild(marker, mode string, args []string) int {
	switch mode {
	case "sleep":
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
	case "note", "note-stay":
		noteTerm(filepath.Join(args[0], args[1]), mode == "note")
	case "root":
		noteTerm(filepath.Join(args[0], "root"), true)
		for _, child := range [][]string{{"note-stay", args[0], "stubborn"}, {"ignore-term"}} {
			if _, err := startScanChild(marker, child, &syscall.SysProcAttr{}); err != nil {
				return fail(err)
			}
		}
		daemonize, err := startScanChild(marker, []string{"daemonize", args[0]}, &syscall.SysProcAttr{Setsid: true})
		if err != nil {
			return fail(err)
		}
		daemonize.Wait()
	case "escaper":
		noteTerm(filepath.Join(args[0], "root"), true)
		go func() {
			awaitFile(filepath.Join(args[0], "go"))
			untagged := []string{scanChildEnv + "=1"}
			hideaway, err := startScanChildEnv(marker, []string{"hideaway", args[0]}, &syscall.SysProcAttr{Setsid: true}, untagged)
			if err != nil {
				os.Exit(fail(err))
			}
			hideaway.Wait()
		}()
	case "hideaway":
		if _, err := startScanChild(marker, []string{"note", args[0], "hidden"}, &syscall.SysProcAttr{}); err != nil {
			return fail(err)
		}
		fmt.Println("ready")
		awaitFile(filepath.Join(args[0], "exit"))
		return 0
	case "daemonize":
		if _, err := startScanChild(marker, []string{"note", args[0], "daemon"}, &syscall.SysProcAttr{}); err != nil {
			return fail(err)
		}
		fmt.Println("ready")
		return 0
	default:
		return fail(fmt.Errorf("unknown mode %q", mode))
	}
	fmt.Println("ready")
	os.Stdout.Close()
	for {
		syscall.Pause()
	}
}

// noteTerm writes "term" into the file path on SIGTERM, then exits if
// exit is set.
func noteTerm(path string, exit bool) {
	terms := make(chan os.Signal, 1)
	signal.Notify(terms, syscall.SIGTERM)
	go func() {
		for range terms {
			if err := os.WriteFile(path, []byte("term"), 0o644); err != nil {
				os.Exit(3)
			}
			if exit {
				os.Exit(0)
			}
		}
	}()
}

func awaitFile(path string) {
	for !exists(path) {
		time.Sleep(5 * time.Millisecond)
	}
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "scan child:", err)
	return 2
}

// startScanChild starts this binary as a child with the arguments MARKER
// MODE ARGS... (args being MODE ARGS...) and this process's environment,
// in a process group of its own unless attr says otherwise, and returns
// once it is ready.
func startScanChild(marker string, args []string, attr *syscall.SysProcAttr) (*exec.Cmd, error) {
	return startScanChildEnv(marker, args, attr, os.Environ())
}

func startScanChildEnv(marker string, args []string, attr *syscall.SysProcAttr, env []string) (*exec.Cmd, error) {
	cmd := exec.Command(os.Args[0], append([]string{marker}, args...)...)
	cmd.Env = env
	cmd.SysProcAttr = attr
	if attr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("child %v not ready: %q, %v", args, line, err)
	}
	return cmd, nil
}

// ---- the fake host ----

// scanHostOptions is what the fake host is started with.
type scanHostOptions struct {
	Reaper           string // the Go reaper's path
	Marker           string // every child's marker
	SweepDirPrefixes []string
}

// scanFakeHost starts the Go reaper, prints "ready <reaper pid> <own
// pid>", then answers each command (a JSON array of strings on a line of
// stdin) with a line "ok ..." or "error ...":
//
//	tree GRACE_MS TAGNAME MODE ARGS...   start a child in its own process group
//	                                     with proctree.Tag(TAGNAME) in its
//	                                     environment; protect its tree → ok REG PID
//	tag-tree GRACE_MS TAGNAME            protect the tree of TAGNAME's tag alone,
//	                                     no root → ok REG
//	protect GRACE_MS MODE ARGS...        start a child in its own process group,
//	                                     protect the process → ok REG PID
//	start MARKER TAGNAME|- MODE ARGS...  start a child with MARKER in a session of
//	                                     its own, unprotected, tagged unless "-"
//	                                     → ok PID
//	dir PATH                             → ok REG
//	release REG                          → ok
//	pid                                  → ok PID of the current reaper (0 while none)
func scanFakeHost(optsJSON string) int {
	var opts scanHostOptions
	if err := json.Unmarshal([]byte(optsJSON), &opts); err != nil {
		return fail(err)
	}
	r, err := start(Options{SweepDirPrefixes: opts.SweepDirPrefixes}, opts.Reaper, scanReaper)
	if err != nil {
		return fail(err)
	}
	fmt.Println("ready", r.Pid(), os.Getpid())
	var regs []*Registration
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var cmd []string
		answer, err := "", json.Unmarshal(in.Bytes(), &cmd)
		if err == nil {
			answer, err = scanHostCommand(r, opts.Marker, cmd, &regs)
		}
		if err != nil {
			fmt.Println("error", strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Println(strings.TrimSpace("ok " + answer))
		}
	}
	return 0
}

func scanHostCommand(r *Reaper, marker string, cmd []string, regs *[]*Registration) (string, error) {
	protected := func(reg *Registration, err error) (string, error) {
		if err != nil {
			return "", err
		}
		*regs = append(*regs, reg)
		return strconv.Itoa(len(*regs) - 1), nil
	}
	grace := func() time.Duration {
		n, _ := strconv.Atoi(cmd[1])
		return time.Duration(n) * time.Millisecond
	}
	tagged := func(name string) []string {
		return []string{scanChildEnv + "=1", proctree.Tag(name)}
	}
	switch cmd[0] {
	case "tree", "protect":
		env, args := []string{scanChildEnv + "=1"}, cmd[2:]
		if cmd[0] == "tree" {
			env, args = tagged(cmd[2]), cmd[3:]
		}
		child, err := startScanChildEnv(marker, args, nil, env)
		if err != nil {
			return "", err
		}
		pid := child.Process.Pid
		start, err := platform.StartTime(pid)
		if err != nil {
			return "", err
		}
		var reg string
		if cmd[0] == "tree" {
			reg, err = protected(r.ProtectTree(pid, start, proctree.Tag(cmd[2]), grace()))
		} else {
			reg, err = protected(r.ProtectProcess(pid, start, grace()))
		}
		return fmt.Sprintf("%s %d", reg, pid), err
	case "tag-tree":
		return protected(r.ProtectTree(0, 0, proctree.Tag(cmd[2]), grace()))
	case "start":
		env := []string{scanChildEnv + "=1"}
		if cmd[2] != "-" {
			env = tagged(cmd[2])
		}
		child, err := startScanChildEnv(cmd[1], cmd[3:], &syscall.SysProcAttr{Setsid: true}, env)
		if err != nil {
			return "", err
		}
		return strconv.Itoa(child.Process.Pid), nil
	case "dir":
		return protected(r.ProtectDir(cmd[1]))
	case "release":
		i, _ := strconv.Atoi(cmd[1])
		return "", (*regs)[i].Release()
	case "pid":
		return strconv.Itoa(r.Pid()), nil
	}
	return "", fmt.Errorf("unknown command %q", cmd[0])
}

// ---- the tests' side of the fake host ----

// scanHost is a running fake host of the Go reaper.
type scanHost struct {
	t      testing.TB
	cmd    *exec.Cmd
	in     io.Writer
	out    *bufio.Reader
	reaper int // the reaper's pid when the host started
}

// startScanHost starts a fake host whose children carry marker.
func startScanHost(t testing.TB, marker string, prefixes ...string) *scanHost {
	t.Helper()
	cmd := exec.Command(testBinary, marker)
	opts := scanHostOptions{Reaper: buildScanReaper(t), Marker: marker, SweepDirPrefixes: prefixes}
	in, out, stderr := startFake(t, cmd, scanHostEnv, opts)
	h := &scanHost{t: t, cmd: cmd, in: in, out: out}
	var reaper *process
	t.Cleanup(func() {
		h.kill()
		if reaper != nil {
			checkGone(t, *reaper, "the Go reaper (it must exit once its host is gone)")
		}
		if t.Failed() {
			t.Logf("fake host's log:\n%s", stderr.String())
		}
	})
	line, err := h.out.ReadString('\n')
	var hostPid int
	if err == nil {
		_, err = fmt.Sscanf(line, "ready %d %d", &h.reaper, &hostPid)
	}
	if err != nil {
		t.Fatalf("fake host did not start: %q, %v\n%s", line, err, stderr.String())
	}
	p := identify(t, h.reaper)
	reaper = &p
	return h
}

// do sends a command and returns the fields of the answer after "ok".
func (h *scanHost) do(cmd ...string) []string {
	h.t.Helper()
	line, err := json.Marshal(cmd)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.in.Write(append(line, '\n')); err != nil {
		h.t.Fatalf("fake host %v: %v", cmd, err)
	}
	answer, err := h.out.ReadString('\n')
	if err != nil {
		h.t.Fatalf("fake host %v: %v", cmd, err)
	}
	fields := strings.Fields(answer)
	if len(fields) == 0 || fields[0] != "ok" {
		h.t.Fatalf("fake host %v: %s", cmd, answer)
	}
	return fields[1:]
}

// kill SIGKILLs the host and reaps it.
func (h *scanHost) kill() {
	if h.cmd.ProcessState == nil {
		h.cmd.Process.Kill()
		h.cmd.Wait()
	}
}

// tagName is a tree's tag name made from marker, unique to the test.
func tagName(marker string) string {
	return strings.ReplaceAll(strings.TrimPrefix(marker, "procman-marker-"), "-", "_")
}

// readNote returns the note a process wrote on SIGTERM into dir, or "".
func readNote(dir, name string) string {
	data, _ := os.ReadFile(filepath.Join(dir, name))
	return string(data)
}

// ---- the tests ----

// The host is SIGKILLed: its Go reaper stops the trees, the process and
// the directory it had registered, each tree whole (its root, a child
// that ignores SIGTERM, one that catches it and stays, a setsid
// double-forked daemon that keeps only the tag), and a tree registered
// by its tag alone; each member gets SIGTERM, then SIGKILL after the
// grace; a process of the same user without the tag is left alone.
func TestScanReaperStopsTreesWhenTheHostDies(t *testing.T) {
	marker := proctest.Marker(t)
	bystanderMarker := proctest.Marker(t)
	notes := t.TempDir()
	h := startScanHost(t, marker)

	f := h.do("tree", "300", tagName(marker), "root", notes)
	root := identify(t, atoi(t, f[1]))
	// The host, the root, the stubborn and the deaf children, the daemon.
	tree := proctest.WaitCount(t, marker, 5, 10*time.Second)
	proctest.WaitIgnoring(t, findArg(t, tree, "ignore-term"), syscall.SIGTERM, 10*time.Second)
	daemon := findArg(t, tree, "daemon")
	if sid := statField(t, daemon, 6); sid == strconv.Itoa(root.pid) || statField(t, daemon, 4) == strconv.Itoa(root.pid) {
		t.Fatalf("the daemon %d is still in the root's session, or its child", daemon)
	}

	laterTag := tagName(marker) + "_later"
	h.do("tag-tree", "300", laterTag)
	later := atoi(t, h.do("start", marker, laterTag, "note", notes, "later")[0])
	plain := atoi(t, h.do("protect", "300", "note", notes, "plain")[1])
	deafPlain := atoi(t, h.do("protect", "300", "ignore-term")[1])
	proctest.WaitIgnoring(t, deafPlain, syscall.SIGTERM, 10*time.Second)
	bystander := killAtEnd(t, atoi(t, h.do("start", bystanderMarker, "-", "sleep")[0]))
	// A tagged process started after the last scan of its tree, and
	// after its root, which it is no child of.
	h.do("start", marker, tagName(marker), "note", notes, "late")

	sockets := filepath.Join(t.TempDir(), "sockets")
	mkdir(t, sockets)
	writeFile(t, filepath.Join(sockets, "file"))
	listenUnix(t, filepath.Join(sockets, "socket"))
	h.do("dir", sockets)

	reaper := identify(t, h.reaper)
	h.kill()
	if pids := proctest.WaitGone(marker, 15*time.Second); len(pids) > 0 {
		t.Fatalf("processes %v of protected trees outlived their host (root %d, later %d, plain %d, deaf plain %d)", pids, root.pid, later, plain, deafPlain)
	}
	for _, name := range []string{"root", "stubborn", "daemon", "later", "plain", "late"} {
		if note := readNote(notes, name); note != "term" {
			t.Errorf("%s did not note a SIGTERM before it ended: %q", name, note)
		}
	}
	if !waitFor(10*time.Second, func() bool { return !exists(sockets) }) {
		t.Errorf("the protected directory %s was not removed", sockets)
	}
	if !waitFor(10*time.Second, func() bool { return !reaper.alive() }) {
		t.Error("the Go reaper did not exit after its host's death")
	}
	if !bystander.alive() {
		t.Errorf("a process of the same user outside every tree was stopped")
	}
}

// findArg returns the one of pids whose command line holds arg.
func findArg(t *testing.T, pids []int, arg string) int {
	t.Helper()
	for _, pid := range pids {
		for _, a := range strings.Split(string(proctest.ReadProc(t, pid, "cmdline")), "\x00") {
			if a == arg {
				return pid
			}
		}
	}
	t.Fatalf("no process of %v has the argument %q", pids, arg)
	return 0
}

// While the host lives, the Go reaper scans its trees again and again: a
// process that left the tree's groups and the tag behind and then lost its
// parent link is still the tree's, found through the session its parent
// led, because a rescan saw it while it had the link.
func TestScanReaperRescansTrees(t *testing.T) {
	marker := proctest.Marker(t)
	notes := t.TempDir()
	h := startScanHost(t, marker)
	h.do("tree", "300", tagName(marker), "escaper", notes)
	writeFile(t, filepath.Join(notes, "go"))
	// The host, the root, the hideaway and the hidden process.
	proctest.WaitCount(t, marker, 4, 10*time.Second)
	// Nothing outside the reaper tells when it has scanned: three rescan
	// intervals make one all but certain.
	time.Sleep(3 * time.Second)
	writeFile(t, filepath.Join(notes, "exit"))
	left := proctest.WaitCount(t, marker, 3, 10*time.Second)
	hidden := findArg(t, left, "hidden")
	if ppid := atoi(t, statField(t, hidden, 4)); slices.Contains(left, ppid) || strings.Contains(string(proctest.ReadProc(t, hidden, "environ")), proctree.TagVar) {
		t.Fatalf("the hidden process %d still has a tie to its tree: its parent %d, or the tag", hidden, ppid)
	}

	h.kill()
	if pids := proctest.WaitGone(marker, 15*time.Second); len(pids) > 0 {
		t.Fatalf("processes %v outlived their host", pids)
	}
	if note := readNote(notes, "hidden"); note != "term" {
		t.Errorf("the hidden process did not note a SIGTERM: %q", note)
	}
}

// What was released is left alone when the host dies.
func TestScanReaperLeavesReleasedTreesAlone(t *testing.T) {
	marker := proctest.Marker(t)
	notes := t.TempDir()
	h := startScanHost(t, marker)
	h.do("tree", "300", tagName(marker)+"_kept", "note", notes, "kept")
	released := h.do("tree", "300", tagName(marker), "note", notes, "released")
	releasedProc := h.do("protect", "300", "note", notes, "released-process")
	dir := filepath.Join(t.TempDir(), "dir")
	mkdir(t, dir)
	writeFile(t, filepath.Join(dir, "file"))
	releasedDir := h.do("dir", dir)
	survivors := []process{
		killAtEnd(t, atoi(t, released[1])),
		killAtEnd(t, atoi(t, releasedProc[1])),
	}
	for _, reg := range []string{released[0], releasedProc[0], releasedDir[0]} {
		h.do("release", reg)
		h.do("release", reg) // idempotent
	}

	reaper := identify(t, h.reaper)
	h.kill()
	if !waitFor(10*time.Second, func() bool { return !reaper.alive() }) {
		t.Fatal("the Go reaper did not exit after its host's death")
	}
	if !waitFor(10*time.Second, func() bool { return readNote(notes, "kept") == "term" }) {
		t.Errorf("the tree still registered was not stopped")
	}
	for _, p := range survivors {
		if !p.alive() {
			t.Errorf("released process %d was stopped", p.pid)
		}
	}
	if !exists(filepath.Join(dir, "file")) {
		t.Error("a released directory was cleared")
	}
}

// The Go reaper ignores the signals a stop of the host's tree sends; killed
// while the host lives, it is replaced, and the new one gets every
// registration again and acts on them when the host dies.
func TestScanReaperIsRestartedAndKeepsTrees(t *testing.T) {
	marker := proctest.Marker(t)
	notes := t.TempDir()
	h := startScanHost(t, marker)
	first := identify(t, h.reaper)
	if sid := statField(t, first.pid, 6); sid != strconv.Itoa(first.pid) {
		t.Errorf("the Go reaper %d is in session %s, want its own", first.pid, sid)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT} {
		proctest.WaitIgnoring(t, first.pid, sig, 10*time.Second)
		syscall.Kill(first.pid, sig)
	}
	h.do("tree", "300", tagName(marker), "root", notes)
	tree := proctest.WaitCount(t, marker, 5, 10*time.Second) // the host's among them
	h.do("protect", "300", "note", notes, "plain")
	if pid := atoi(t, h.do("pid")[0]); pid != first.pid {
		t.Fatalf("the Go reaper %d ended on a terminal signal; now %d runs", first.pid, pid)
	}

	syscall.Kill(first.pid, syscall.SIGKILL)
	var second int
	if !waitFor(10*time.Second, func() bool {
		second = atoi(t, h.do("pid")[0])
		return second != 0 && second != first.pid
	}) {
		t.Fatal("no Go reaper was started after the first was killed")
	}
	expectGone(t, second, "the restarted Go reaper")
	for _, pid := range tree {
		if !identify(t, pid).alive() {
			t.Fatalf("member %d of the tree ended when the reaper was killed", pid)
		}
	}
	// A tagged process started now is the tree's for the new reaper too.
	h.do("start", marker, tagName(marker), "note", notes, "late")

	h.kill()
	if pids := proctest.WaitGone(marker, 15*time.Second); len(pids) > 0 {
		t.Fatalf("processes %v outlived their host after the Go reaper's restart", pids)
	}
	for _, name := range []string{"root", "stubborn", "daemon", "plain", "late"} {
		if note := readNote(notes, name); note != "term" {
			t.Errorf("%s did not note a SIGTERM: %q", name, note)
		}
	}
}

// The Go reaper's side of the protocol, message by message, through the
// client's framing: bad requests are refused with their reason, and the
// stream goes on after each.
func TestScanReaperAnswersEveryMessage(t *testing.T) {
	marker := proctest.Marker(t)
	r := startScanReaper(t, Options{})
	own := identify(t, startOwnChild(t, marker, "sleep").Process.Pid)
	proc := func(format string) string { return fmt.Sprintf(format, own.pid, own.start) }
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	writeFile(t, file)
	spaced := filepath.Join(tmp, "a dir with spaces")
	mkdir(t, spaced)
	tag := proctree.Tag(tagName(marker))

	cases := []struct{ message, want string }{
		{"X 1", "err 1 unknown message"},
		{"", "err 0 empty message"},
		{"P", "err 0 malformed message"},
		{"P x", "err 0 malformed id"},
		{"P -1 1 1 1", "err 0 malformed id"},
		{"P 2 abc", "err 2 malformed process message"},
		{proc("P 3 %d %d 1000 "), "err 3 malformed process message"},
		{proc("P 3 %d  %d 1000"), "err 3 malformed process message"},
		{proc("P 3 %d %d"), "err 3 malformed process message"},
		{"P 4 1 1 1", "err 4 invalid pid"},
		{fmt.Sprintf("P 4 %d 1 1", r.Pid()), "err 4 invalid pid"},
		{"P 4 2147483648 1 1", "err 4 invalid pid"},
		{proc("P 5 %d %d 172800001"), "err 5 grace period too long"},
		{fmt.Sprintf("P 6 %d 18446744073709551616 1", own.pid), "err 6 malformed process message"},
		{proc("P 7 %d %d 1000"), "ok 7"},
		{"U 8", "ok 8"},
		{"U 7 1", "err 7 malformed message"},
		{"U 7", "ok 7"},
		{"D 9 relative", "err 9 path is not absolute"},
		{"D 10 " + filepath.Join(tmp, "missing"), "err 10 no such file or directory"},
		{"D 11 " + file, "err 11 not a directory"},
		{"D 12 " + spaced, "ok 12"},
		{"D 13", "err 13 malformed message"},
		{"D 13 ", "err 13 malformed message"},
		{"C 14 " + tmp + " 10", "err 14 cgroups not supported: this reaper holds trees by scanning the process table"},
		{"K 15 " + tmp + " 10", "err 15 cgroups not supported: this reaper holds trees by scanning the process table"},
		{"D 18 " + tmp + "\x00x", "err 18 message holds a NUL byte"},
		{"P 19 " + strings.Repeat("1", 5000), "err 19 message too long"},
		{"U 12", "ok 12"},
		{proc("T 20 %d %d 1000 ") + tag, "ok 20"},
		{"T 21 0 0 1000 " + tag, "ok 21"},
		{"T 22 0 5 1000 " + tag, "err 22 invalid pid"},
		{"T 23 1 0 1000 " + tag, "err 23 invalid pid"},
		{proc("T 24 %d %d 1000 PATH=/bin"), "err 24 invalid tag"},
		{proc("T 25 %d %d 1000 PROCMAN_TREE_x"), "err 25 invalid tag"},
		{proc("T 26 %d %d 1000 ") + tag + " x", "err 26 invalid tag"},
		{proc("T 27 %d %d 1000"), "err 27 malformed tree message"},
		{proc("T 28 %d x 1000 ") + tag, "err 28 malformed tree message"},
		{proc("T 29 %d %d 172800001 ") + tag, "err 29 grace period too long"},
		// A root gone, or whose pid another process has now: accepted.
		{fmt.Sprintf("T 30 %d %d 1000 %s", own.pid, own.start+1, tag), "ok 30"},
		{"U 20", "ok 20"},
		{"U 21", "ok 21"},
		{"U 30", "ok 30"},
	}
	if os.Geteuid() != 0 {
		// A process of another user may not be signalled: refused.
		if other, ok := otherUsersProcess(); ok {
			cases = append(cases,
				struct{ message, want string }{fmt.Sprintf("P 40 %d %d 1000", other.pid, other.start), "err 40 operation not permitted"},
				struct{ message, want string }{fmt.Sprintf("T 41 %d %d 1000 %s", other.pid, other.start, tag), "err 41 operation not permitted"})
		} else {
			t.Log("no process of another user to be refused")
		}
	}
	for _, c := range cases {
		if got := lineExchange(t, r, c.message); got != c.want {
			t.Errorf("%q answered %q, want %q", c.message, got, c.want)
		}
	}
	if pid := r.Pid(); pid == 0 {
		t.Error("the Go reaper stopped running")
	}
}

// lineExchange sends message raw, ended by '\n', and returns the answer.
func lineExchange(t *testing.T, r *Reaper, message string) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.conn.Write([]byte(message + "\n")); err != nil {
		t.Fatalf("send %q: %v", message, err)
	}
	answer, err := r.prog.framing.receive(r.conn, r.answer)
	if err != nil {
		t.Fatalf("answer to %q: %v", message, err)
	}
	return string(answer)
}

// otherUsersProcess returns a live process of another user than the
// test's, other than pid 1.
func otherUsersProcess() (process, bool) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 1 {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat("/proc/"+e.Name(), &st) != nil || int(st.Uid) == os.Geteuid() {
			continue
		}
		if start, err := platform.StartTime(pid); err == nil {
			return process{pid, start}, true
		}
	}
	return process{}, false
}

// The client refuses, before sending them, what the Go reaper does not
// take: cgroups, and paths with a newline, which would end the message
// early; and a tree's tag that is not PROCMAN_TREE's.
func TestScanReaperClientRefusals(t *testing.T) {
	r := startScanReaper(t, Options{})
	pid := r.Pid()
	dir := t.TempDir()
	if _, err := r.ProtectCgroup(dir, time.Second); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("ProtectCgroup: %v, want errors.ErrUnsupported", err)
	}
	if _, err := r.ReclaimCgroup(dir, time.Second); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("ReclaimCgroup: %v, want errors.ErrUnsupported", err)
	}
	newline := filepath.Join(dir, "a\nb")
	mkdir(t, newline)
	if _, err := r.ProtectDir(newline); !errors.Is(err, errNewline) {
		t.Errorf("ProtectDir of a path with a newline: %v, want errNewline", err)
	}
	for _, tag := range []string{"", "PATH=/bin", "PROCMAN_TREE_x", "PROCMAN_TREE_x=a b"} {
		if _, err := r.ProtectTree(0, 0, tag, time.Second); err == nil {
			t.Errorf("ProtectTree with tag %q succeeded", tag)
		}
	}
	if _, err := r.ProtectTree(0, 0, proctree.Tag("x"), MaxGrace+time.Millisecond); !errors.Is(err, ErrGraceTooLong) {
		t.Errorf("ProtectTree with grace MaxGrace+1ms: %v, want ErrGraceTooLong", err)
	}
	if _, err := start(Options{SweepCgroupDirs: []string{dir}}, buildScanReaper(t), scanReaper); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("start with SweepCgroupDirs: %v, want errors.ErrUnsupported", err)
	}
	reg, err := r.ProtectTree(0, 0, proctree.Tag("x"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Release(); err != nil {
		t.Fatal(err)
	}
	if r.Pid() != pid {
		t.Errorf("the Go reaper was replaced (%d, then %d): a refusal reached it as a broken message", pid, r.Pid())
	}
}

// The Linux reaper takes no tree.
func TestProtectTreeIsUnsupportedOnLinux(t *testing.T) {
	r := startReaper(t, Options{})
	if _, err := r.ProtectTree(os.Getpid(), 1, proctree.Tag("x"), time.Second); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("ProtectTree with the Linux reaper: %v, want errors.ErrUnsupported", err)
	}
}

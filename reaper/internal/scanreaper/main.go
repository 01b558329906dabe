//go:build linux || darwin

// Command procman-reaper (this package, scanreaper) is procman's reaper
// where the system holds no tree together: macOS, which has no cgroup.
// It outlives procman's host and, when the host dies (even by SIGKILL),
// stops everything the host had registered. It is built for darwin and
// embedded (scripts/build-helpers.sh); it builds for linux too, where the
// reaper package's tests run it against real processes, with /proc as
// the process table. It imports nothing of procman but
// internal/proctree: no code of the embedding program runs in it.
//
//	procman-reaper host=PID [--sweep-dir-prefix=P]...
//
// Descriptor 3 is a SOCK_STREAM unix socket whose other end only the host
// holds; every message, and every answer, ends with '\n'. Once set up
// (and after the start sweep, below) the reaper sends "ready". Then every
// message of the host is answered, "ok ID" or "err ID REASON", so that
// registering is synchronous. The grammar is the Linux reaper's
// (reaper/internal/image/csrc/procman-reaper.c), but for cgroups:
//
//	P ID PID START GRACE_MS        a process, named for good by its pid and
//	                               start time (proctree.Proc.Start)
//	T ID PID START GRACE_MS TAG    a tree: the proctree.Family of root PID
//	                               (0: none, the tree about to start) and of
//	                               the reaper's user's processes carrying
//	                               TAG, an environment entry whose name
//	                               begins with PROCMAN_TREE
//	D ID PATH                      a directory of plain files and sockets
//	U ID                           forget ID (unknown ids are not an error)
//	C, K                           cgroups: refused, there are none
//
// IDs are decimal uint64s chosen by the host; registering an ID again
// replaces what it named. GRACE_MS is at most 172800000 (48 hours). A
// process that is already gone, or whose pid now belongs to a process
// with another start time, is accepted and never signalled. A tree is
// scanned when registered and about every second while the host lives,
// so that its membership stays current (what a scan sees: see proctree).
// A message longer than 4160 bytes is answered "err ID message too long".
//
// A D registration whose directory is named after a host (its last path
// element holds "<pid>-<start>", alone or followed by "-...", at its
// start or after a '-') holds a shared flock on that directory until it
// is forgotten or the reaper exits, so that no other reaper's sweep
// touches it while this one may still act on it.
//
// The host's death is the socket's EOF, or the host's exit (kqueue
// NOTE_EXIT on darwin, a pidfd on linux) should the socket ever be shared.
// Then the reaper acts on every registration at once: SIGTERM to every
// process and every member of every tree, one shared wait in which each
// has its own grace, and at its deadline SIGKILL for a process that is
// left, and for a tree proctree's Kill (freeze every member, then kill
// them). Then the directories are cleared and the reaper exits 0. It
// ignores SIGTERM, SIGHUP, SIGINT and SIGQUIT (a tree being stopped
// around it sends it those, and it must still outlive its host to act);
// SIGKILL ends it without acting, and then the host starts another.
//
// At start it sweeps what hosts left behind: the directories
// DIR/BASE<pid>-<start>[-...] of each --sweep-dir-prefix DIR/BASE that
// belong to the reaper's user, whose owner process (pid and start time)
// is gone and on which it gets an exclusive flock at once (no reaper is
// acting on them): their files, sockets and symbolic links are removed,
// and they are too if that leaves them empty. There is no PID namespace
// on darwin: a third number in the name (Linux's) is ignored.
package main

import (
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/procman-dev/procman/internal/proctree"
	"golang.org/x/sys/unix"
)

// hostFD is the descriptor of the socket to the host.
const hostFD = 3

func main() {
	harden()
	// The reaper starts no program: nothing inherits what it ignores.
	signal.Ignore(syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM,
		syscall.SIGPIPE, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU)
	if typ, err := unix.GetsockoptInt(hostFD, unix.SOL_SOCKET, unix.SO_TYPE); err != nil || typ != unix.SOCK_STREAM {
		os.Exit(2)
	}
	host, prefixes, ok := parseArgs(os.Args[1:])
	if !ok {
		os.Exit(2)
	}
	if sid, _ := unix.Getsid(0); sid != os.Getpid() {
		unix.Setsid()
	}
	if os.Chdir("/") != nil {
		os.Exit(2)
	}
	watch, err := watchHost(host)
	if err != nil {
		os.Exit(2)
	}
	r := newReaper(proctree.SystemTable())
	for _, prefix := range prefixes {
		r.sweep(prefix)
	}
	if send("ready") != nil {
		r.act()
	}
	r.serve(watch)
}

// parseArgs reads "host=PID" and the "--sweep-dir-prefix=P" arguments.
func parseArgs(args []string) (host int, prefixes []string, ok bool) {
	for _, arg := range args {
		if v, found := strings.CutPrefix(arg, "host="); found && v != "" {
			n, err := strconv.ParseUint(v, 10, 31)
			if err != nil || n <= 1 {
				return 0, nil, false
			}
			host = int(n)
		} else if v, found := strings.CutPrefix(arg, "--sweep-dir-prefix="); found && v != "" {
			prefixes = append(prefixes, v)
		} else {
			return 0, nil, false
		}
	}
	return host, prefixes, host != 0
}

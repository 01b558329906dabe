package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
)

// strayDescriptors copies fd, without O_CLOEXEC, over and over until stop
// is called, as C code or raw system calls of an embedder's other threads
// would open descriptors: eight copies are open at any time. stop closes
// them all.
func strayDescriptors(fd int) (stop func()) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		var open []int
		for {
			select {
			case <-done:
				for _, d := range open {
					syscall.Close(d)
				}
				return
			default:
			}
			if d, err := syscall.Dup(fd); err == nil {
				open = append(open, d)
			}
			if len(open) > 8 {
				syscall.Close(open[0])
				open = open[1:]
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// expectNoHolder fails unless every copy of the pipe's write end is closed
// (the test's own already are): r reads end of file. Should some process
// still hold one, those this user may inspect are named.
func expectNoHolder(t *testing.T, r *os.File) {
	t.Helper()
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := r.Read(make([]byte, 1))
	if errors.Is(err, io.EOF) {
		return
	}
	var st syscall.Stat_t
	syscall.Fstat(int(r.Fd()), &st)
	t.Errorf("the stray descriptors' pipe did not reach end of file (%d bytes, %v): held by %v and any process this user may not inspect", n, err, holders(fmt.Sprintf("pipe:[%d]", st.Ino)))
}

// holders returns "PID (COMM)" for each other process, of those this user
// may inspect, that has a descriptor on target.
func holders(target string) []string {
	var found []string
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		if _, err := strconv.Atoi(p.Name()); err != nil || p.Name() == strconv.Itoa(os.Getpid()) {
			continue // not a process, or this one, which holds the read end
		}
		fds, err := os.ReadDir("/proc/" + p.Name() + "/fd")
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if link, _ := os.Readlink("/proc/" + p.Name() + "/fd/" + fd.Name()); link == target {
				comm, _ := os.ReadFile("/proc/" + p.Name() + "/comm")
				found = append(found, p.Name()+" ("+strings.TrimSpace(string(comm))+")")
				break
			}
		}
	}
	return found
}

// listingScript lists the shell's descriptors, as inherited by ls, which
// adds its own (the directory it reads, the lowest free number), then
// waits for a line on stdin, taking no processor meanwhile. (ls's own
// /proc/self/fd shows what the shell passed it.)
const listingScript = `ls /proc/self/fd; read line`

// TestNoStrayDescriptorReachesAProgram starts programs under each
// mechanism while another goroutine keeps opening descriptors without
// O_CLOEXEC: every program must have 0, 1 and 2 and nothing else (3 too,
// when given one, under a mechanism that passes ExtraFiles), and no program
// or procman-init may hold a stray descriptor. The strays are copies of a
// pipe's write end, so that any process left holding one is seen, as the
// pipe not reaching end of file, without reading the descriptors of
// procman-inits, which an unprivileged user cannot (they are
// non-dumpable); as root their descriptors are checked too.
func TestNoStrayDescriptorReachesAProgram(t *testing.T) {
	const programs = 30
	eachMechanism(t, func(t *testing.T, s *Spawner) {
		marker := proctest.Marker(t)
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		null, err := DevNull()
		if err != nil {
			t.Fatal(err)
		}
		// The programs' stdin, on which nothing comes.
		block, unblock, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer block.Close()
		t.Cleanup(func() { unblock.Close() })
		spec := shellSpec(t, marker, listingScript)
		spec.Stdin = block
		want := "0\n1\n2\n3\n" // 3: ls's directory
		if s.Containment().Mechanism == ProcessGroup {
			spec.ExtraFiles = []*os.File{null}
			want = "0\n1\n2\n3\n4\n"
		}
		dir := t.TempDir()
		stop := strayDescriptors(int(w.Fd()))
		var procs []*Process
		for i := range programs {
			path := filepath.Join(dir, strconv.Itoa(i))
			out, err := os.Create(path)
			if err != nil {
				stop()
				t.Fatal(err)
			}
			spec.Stdout = out
			p, err := s.Start(context.Background(), spec)
			out.Close()
			if err != nil {
				stop()
				t.Fatal(err)
			}
			procs = append(procs, p)
			t.Cleanup(func() { stopTree(t, p) })
			// Once the program has listed its descriptors, the next
			// starts on an idle machine, as fast as the strays come.
			if listing := waitListing(path); listing != want {
				t.Errorf("program %d (pid %d) has descriptors %q, want %q", i, p.Pid, listing, want)
			}
		}
		stop()
		w.Close()
		expectNoHolder(t, r)
		if os.Geteuid() == 0 {
			for _, p := range procs {
				if it, ok := p.tree.(*initTree); ok {
					checkInitDescriptors(t, it.init.outer.Pid, s.Containment().CgroupDir)
					checkInitDescriptors(t, it.init.pid, s.Containment().CgroupDir)
				}
			}
		}
	})
}

// waitListing returns what ls wrote to path, in one write when it exited,
// once it is there, or after 10 seconds.
func waitListing(path string) string {
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(path)
		if len(data) > 0 || time.Now().After(deadline) {
			return string(data)
		}
		time.Sleep(time.Millisecond)
	}
}

// checkInitDescriptors fails unless procman-init pid holds only its own
// descriptors: the null device as 0, 1 and 2, its control socket, its
// cgroup's directory (4, under cgroupDir) and its signalfd.
func checkInitDescriptors(t *testing.T, pid int, cgroupDir string) {
	t.Helper()
	dir := "/proc/" + strconv.Itoa(pid) + "/fd/"
	fds, err := os.ReadDir(dir)
	if err != nil {
		t.Errorf("procman-init %d: %v", pid, err)
		return
	}
	for _, e := range fds {
		fd, _ := strconv.Atoi(e.Name())
		target, _ := os.Readlink(dir + e.Name())
		switch {
		case fd <= 2 && target == os.DevNull:
		case fd == 3 && strings.HasPrefix(target, "socket:"):
		case fd == 4 && cgroupDir != "" && strings.HasPrefix(target, cgroupDir+"/"):
		case fd > 3 && target == "anon_inode:[signalfd]":
		default:
			t.Errorf("procman-init %d holds descriptor %d → %s", pid, fd, target)
		}
	}
}

// stopTree kills a tree that a test started and frees it.
func stopTree(t *testing.T, p *Process) {
	p.SignalTree(syscall.SIGKILL)
	select {
	case <-p.Gone():
	case <-time.After(10 * time.Second):
		t.Errorf("tree of pid %d not gone 10s after SIGKILL", p.Pid)
	}
	p.Release()
}

//go:build linux

package cgroup

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Empty returns a channel that is closed once no process is left in the
// cgroup or in a cgroup below it: at once if there is none now (also when
// nothing was ever started into it), and at the latest when
// [Cgroup.Remove] succeeds. Every call returns the same channel.
//
// Waiting costs no goroutine and no OS thread per cgroup: all cgroups of
// the process share one inotify instance, read by one goroutine that runs
// only while some channel is open. The error says why the cgroup cannot be
// watched, for example when the user's inotify watch limit
// (fs.inotify.max_user_watches) is reached; the caller may then poll
// [Cgroup.Populated].
func (c *Cgroup) Empty() (<-chan struct{}, error) {
	return watches.watch(c)
}

// watches serves Empty for every Cgroup of the process.
var watches watchSet

// A watchSet watches the cgroup.events files of the cgroups whose Empty
// channel is open. The kernel reports each change of "populated" there as
// a modification.
type watchSet struct {
	mu      sync.Mutex        // guards the fields below, and empty, emptied and wd of every Cgroup
	inotify *os.File          // read by the goroutine run; nil when it is not running
	fd      int               // inotify's descriptor, for adding and removing watches
	byWD    map[int32]*Cgroup // the watched cgroups
}

func (w *watchSet) watch(c *Cgroup) (<-chan struct{}, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c.empty == nil {
		c.empty = make(chan struct{})
	}
	if c.emptied || c.wd != 0 {
		return c.empty, nil
	}
	start := w.inotify == nil
	if start {
		fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
		if err != nil {
			return nil, os.NewSyscallError("inotify_init1", err)
		}
		w.fd = fd
		w.byWD = make(map[int32]*Cgroup)
	}
	events := filepath.Join(c.path, "cgroup.events")
	wd, err := unix.InotifyAddWatch(w.fd, events, unix.IN_MODIFY)
	if err != nil {
		if start {
			unix.Close(w.fd)
		}
		// A cgroup that is gone has no process.
		if err == unix.ENOENT {
			w.closeEmpty(c)
			return c.empty, nil
		}
		return nil, &os.PathError{Op: "inotify_add_watch", Path: events, Err: err}
	}
	if start {
		// Non-blocking, so reads park in the netpoller, not on a thread.
		w.inotify = os.NewFile(uintptr(w.fd), "inotify")
		go w.run(w.inotify)
	}
	c.wd = int32(wd)
	w.byWD[c.wd] = c
	// The last process may have left before the watch was in place.
	w.check(c, false)
	return c.empty, nil
}

// release stops watching c, which was removed, and closes its channel.
func (w *watchSet) release(c *Cgroup) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.forget(c)
	if c.empty == nil {
		c.empty = make(chan struct{})
	}
	w.closeEmpty(c)
}

// run reads the inotify instance f until nothing is watched; then it
// closes f. Removing a watch queues an IN_IGNORED event, so run wakes up
// to see that the last watch is gone.
func (w *watchSet) run(f *os.File) {
	buf := make([]byte, 4096)
	for {
		n, err := f.Read(buf)
		w.mu.Lock()
		if err != nil {
			// Reading an inotify descriptor fails only if the buffer were
			// too small for one event, and ours is not; if it ever does,
			// checking every cgroup, at a slow pace, is still correct.
			for _, c := range w.byWD {
				w.check(c, false)
			}
			w.mu.Unlock()
			time.Sleep(10 * time.Millisecond)
			w.mu.Lock()
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			wd := int32(binary.NativeEndian.Uint32(buf[off:]))
			mask := binary.NativeEndian.Uint32(buf[off+4:])
			off += unix.SizeofInotifyEvent + int(binary.NativeEndian.Uint32(buf[off+12:]))
			if mask&unix.IN_Q_OVERFLOW != 0 {
				for _, c := range w.byWD {
					w.check(c, false)
				}
			} else if c := w.byWD[wd]; c != nil {
				w.check(c, mask&unix.IN_IGNORED != 0)
			}
		}
		if len(w.byWD) == 0 {
			f.Close()
			w.inotify = nil
			w.byWD = nil
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
	}
}

// check closes c's channel, and stops watching it, if c has no process.
// gone says the kernel dropped the watch: the file, so the cgroup, was
// removed, and a removed cgroup has no process.
func (w *watchSet) check(c *Cgroup, gone bool) {
	if !gone {
		populated, err := readEvent(c.path, "populated")
		if err == nil && populated {
			return
		}
		// Any other error than "gone" leaves the watch in place: the next
		// event tells more.
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return
		}
	}
	w.forget(c)
	w.closeEmpty(c)
}

// forget removes c's watch, if it has one.
func (w *watchSet) forget(c *Cgroup) {
	if c.wd == 0 {
		return
	}
	delete(w.byWD, c.wd)
	// Fails harmlessly if the kernel dropped the watch already.
	unix.InotifyRmWatch(w.fd, uint32(c.wd))
	c.wd = 0
}

func (w *watchSet) closeEmpty(c *Cgroup) {
	if !c.emptied {
		close(c.empty)
		c.emptied = true
	}
}

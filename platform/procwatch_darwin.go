package platform

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// procEvents is how this process learns that processes exit or fork: one
// kqueue for the whole process, read by one goroutine, so that no process
// costs an OS thread of its own.
type procEvents struct {
	kq int

	mu       sync.Mutex
	handlers map[int][]procHandler // by pid
	fflags   map[int]uint32        // what is asked of each pid's knote
}

// A procHandler hears of the events of the processes it watches: fflags
// says which (NOTE_EXIT, NOTE_FORK), and data holds, with NOTE_EXIT, the
// process's wait status when it is this process's child.
type procHandler interface {
	procEvent(pid int, fflags uint32, data int64)
}

var sharedEvents struct {
	once sync.Once
	ev   *procEvents
	err  error
}

// events returns the process's procEvents, started on first use.
func events() (*procEvents, error) {
	sharedEvents.once.Do(func() {
		kq, err := unix.Kqueue()
		if err != nil {
			sharedEvents.err = fmt.Errorf("kqueue: %w", err)
			return
		}
		unix.CloseOnExec(kq)
		sharedEvents.ev = &procEvents{kq: kq, handlers: make(map[int][]procHandler), fflags: make(map[int]uint32)}
		go sharedEvents.ev.run()
	})
	return sharedEvents.ev, sharedEvents.err
}

// watch has h hear of pid's exit and, with NOTE_FORK in more, of its
// forks; with NOTE_EXITSTATUS in more, an exit comes with pid's wait
// status, which the kernel gives only to pid's parent (any other gets
// EACCES). It fails with ESRCH when pid has exited already.
func (e *procEvents) watch(pid int, more uint32, h procHandler) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, have := range e.handlers[pid] {
		if have == h {
			return nil
		}
	}
	// One knote per pid: a second EV_ADD replaces the first one's flags,
	// so it asks for everything any handler wants.
	fflags := e.fflags[pid] | unix.NOTE_EXIT | more
	change := []unix.Kevent_t{{
		Ident:  uint64(pid),
		Filter: unix.EVFILT_PROC,
		Flags:  unix.EV_ADD | unix.EV_CLEAR,
		Fflags: fflags,
	}}
	if _, err := unix.Kevent(e.kq, change, nil, nil); err != nil {
		return err
	}
	e.handlers[pid] = append(e.handlers[pid], h)
	e.fflags[pid] = fflags
	return nil
}

// forget stops h hearing of pid.
func (e *procEvents) forget(pid int, h procHandler) {
	e.mu.Lock()
	defer e.mu.Unlock()
	hs := e.handlers[pid]
	for i, have := range hs {
		if have == h {
			hs = append(hs[:i:i], hs[i+1:]...)
			break
		}
	}
	if len(hs) > 0 {
		e.handlers[pid] = hs
		return
	}
	delete(e.handlers, pid)
	delete(e.fflags, pid)
	change := []unix.Kevent_t{{Ident: uint64(pid), Filter: unix.EVFILT_PROC, Flags: unix.EV_DELETE}}
	unix.Kevent(e.kq, change, nil, nil) // ENOENT once the process has exited: the knote went with it
}

// run delivers events for the life of the process.
func (e *procEvents) run() {
	buf := make([]unix.Kevent_t, 64)
	for {
		n, err := unix.Kevent(e.kq, nil, buf, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			// Not expected of a kqueue this process holds open: wait
			// rather than spin, and the trees' rescans carry on.
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for _, ev := range buf[:n] {
			if ev.Filter != unix.EVFILT_PROC {
				continue
			}
			pid := int(ev.Ident)
			e.mu.Lock()
			hs := e.handlers[pid]
			if ev.Fflags&unix.NOTE_EXIT != 0 {
				// The kernel drops the knote of an exited process.
				delete(e.handlers, pid)
				delete(e.fflags, pid)
			}
			e.mu.Unlock()
			for _, h := range hs {
				h.procEvent(pid, ev.Fflags, ev.Data)
			}
		}
	}
}

package main

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

// hostWatch tells when the host sends or dies: a kqueue that watches the
// socket and, with NOTE_EXIT, the host's process, a second sign should
// the socket ever be held by another process too.
type hostWatch struct {
	kq     int
	events []unix.Kevent_t
}

// watchHost watches the socket and, when the reaper can be sure it is the
// host's, the process host: the reaper is the host's child, so a parent
// pid still equal to host once the knote was added proves the knote is
// the host's.
func watchHost(host int) (*hostWatch, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, err
	}
	unix.CloseOnExec(kq)
	socket := []unix.Kevent_t{{Ident: hostFD, Filter: unix.EVFILT_READ, Flags: unix.EV_ADD}}
	if _, err := unix.Kevent(kq, socket, nil, nil); err != nil {
		unix.Close(kq)
		return nil, err
	}
	exit := []unix.Kevent_t{{Ident: uint64(host), Filter: unix.EVFILT_PROC, Flags: unix.EV_ADD | unix.EV_ONESHOT, Fflags: unix.NOTE_EXIT}}
	if _, err := unix.Kevent(kq, exit, nil, nil); err == nil && unix.Getppid() != host {
		exit[0].Flags = unix.EV_DELETE
		unix.Kevent(kq, exit, nil, nil)
	}
	return &hostWatch{kq: kq, events: make([]unix.Kevent_t, 2)}, nil
}

// wait blocks until the host has sent something (or closed the socket),
// the host has exited, or timeout has passed.
func (w *hostWatch) wait(timeout time.Duration) (readable, exited bool) {
	ts := unix.NsecToTimespec(int64(max(timeout, 0)))
	n, err := unix.Kevent(w.kq, nil, w.events, &ts)
	if err != nil && !errors.Is(err, unix.EINTR) {
		return true, false // a read tells what is wrong
	}
	for _, ev := range w.events[:max(n, 0)] {
		switch ev.Filter {
		case unix.EVFILT_READ:
			readable = true
		case unix.EVFILT_PROC:
			exited = ev.Fflags&unix.NOTE_EXIT != 0
		}
	}
	return readable, exited
}

package main

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

// hostWatch tells when the host sends or dies: the socket, and a pidfd
// of the host, a second sign should the socket ever be held by another
// process too.
type hostWatch struct {
	fds []unix.PollFd
}

// watchHost watches the socket and, when the reaper can be sure it is the
// host's, a pidfd of host: the reaper is the host's child, so a parent pid
// still equal to host after the pidfd was opened proves the pidfd is the
// host's.
func watchHost(host int) (*hostWatch, error) {
	w := &hostWatch{fds: []unix.PollFd{{Fd: hostFD, Events: unix.POLLIN}}}
	fd, err := unix.PidfdOpen(host, 0)
	switch {
	case err != nil:
	case unix.Getppid() != host:
		unix.Close(fd)
	default:
		unix.CloseOnExec(fd)
		w.fds = append(w.fds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
	}
	return w, nil
}

// wait blocks until the host has sent something (or closed the socket),
// the host has exited, or timeout has passed.
func (w *hostWatch) wait(timeout time.Duration) (readable, exited bool) {
	for i := range w.fds {
		w.fds[i].Revents = 0
	}
	ms := int(max(timeout, 0).Milliseconds()) + 1
	if _, err := unix.Poll(w.fds, ms); err != nil && !errors.Is(err, unix.EINTR) {
		return true, false // a read tells what is wrong
	}
	return w.fds[0].Revents != 0, len(w.fds) > 1 && w.fds[1].Revents != 0
}

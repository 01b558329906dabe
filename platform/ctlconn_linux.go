package platform

import (
	"errors"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A ctlConn is the host's end of a procman-init's control socket (a
// SOCK_SEQPACKET socket), read and written through the runtime's poller,
// so that deadlines and Close interrupt a wait. It does what package net
// would, for the four operations the protocol uses, without linking
// package net into every procman: its initialization and size were a
// measurable part of a cold start.
type ctlConn struct {
	f  *os.File
	rc syscall.RawConn
}

// newCtlConn takes fd, a socket, and makes it non-blocking: the conn owns
// it from then on, even when it fails.
func newCtlConn(fd int, name string) (*ctlConn, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("setnonblock", err)
	}
	// Non-blocking, the file is added to the poller.
	f := os.NewFile(uintptr(fd), name)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &ctlConn{f: f, rc: rc}, nil
}

// ReadMsg reads one packet into b, and its ancillary data into oob. A
// packet longer than b is cut (MSG_TRUNC is not reported); n is 0 at end of
// file. Descriptors received are close-on-exec.
func (c *ctlConn) ReadMsg(b, oob []byte) (n, oobn int, err error) {
	var opErr error
	err = c.rc.Read(func(fd uintptr) bool {
		n, oobn, _, _, opErr = unix.Recvmsg(int(fd), b, oob, unix.MSG_CMSG_CLOEXEC)
		return opErr != unix.EAGAIN
	})
	if err != nil {
		return 0, 0, rawConnErr(err)
	}
	if opErr != nil {
		return 0, 0, os.NewSyscallError("recvmsg", opErr)
	}
	return n, oobn, nil
}

// WriteMsg sends b as one packet, with oob as its ancillary data.
func (c *ctlConn) WriteMsg(b, oob []byte) error {
	var opErr error
	err := c.rc.Write(func(fd uintptr) bool {
		opErr = unix.Sendmsg(int(fd), b, oob, nil, unix.MSG_NOSIGNAL)
		return opErr != unix.EAGAIN
	})
	if err != nil {
		return rawConnErr(err)
	}
	if opErr != nil {
		return os.NewSyscallError("sendmsg", opErr)
	}
	return nil
}

// Write sends b as one packet.
func (c *ctlConn) Write(b []byte) (int, error) {
	if err := c.WriteMsg(b, nil); err != nil {
		return 0, err
	}
	return len(b), nil
}

// CloseWrite shuts the socket down for writing: the peer reads end of
// file.
func (c *ctlConn) CloseWrite() error {
	var opErr error
	if err := c.rc.Control(func(fd uintptr) { opErr = unix.Shutdown(int(fd), unix.SHUT_WR) }); err != nil {
		return rawConnErr(err)
	}
	if opErr != nil {
		return os.NewSyscallError("shutdown", opErr)
	}
	return nil
}

// SetDeadline sets the deadline of reads and writes; SetReadDeadline that
// of reads. A read or write past it fails with os.ErrDeadlineExceeded.
func (c *ctlConn) SetDeadline(t time.Time) error     { return c.f.SetDeadline(t) }
func (c *ctlConn) SetReadDeadline(t time.Time) error { return c.f.SetReadDeadline(t) }

// Close closes the socket; a read or write under way fails with
// os.ErrClosed.
func (c *ctlConn) Close() error { return c.f.Close() }

// rawConnErr returns err, a failure of the socket's RawConn rather than of
// the call made through it, as the file's own methods would: the file is
// pollable, so the only such failures are a deadline passed and the file
// closed, whose error (internal/poll's) becomes os.ErrClosed.
func rawConnErr(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return err
	}
	return os.ErrClosed
}

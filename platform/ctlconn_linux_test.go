package platform

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ctlPair returns a ctlConn on one end of a SOCK_SEQPACKET socket pair,
// and the other end as a plain descriptor.
func ctlPair(t *testing.T) (*ctlConn, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	c, err := newCtlConn(fds[0], "test control")
	if err != nil {
		unix.Close(fds[1])
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		unix.Close(fds[1])
	})
	return c, fds[1]
}

func TestCtlConnCarriesPacketsAndDescriptors(t *testing.T) {
	c, peer := ctlPair(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if err := c.WriteMsg([]byte("first"), unix.UnixRights(int(w.Fd()))); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("second")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(peer, buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil || string(buf[:n]) != "first" {
		t.Fatalf("peer read %q, %v; want the first packet", buf[:n], err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("control messages %v, %v", msgs, err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		t.Fatalf("descriptors %v, %v", fds, err)
	}
	if _, err := unix.Write(fds[0], []byte("x")); err != nil {
		t.Fatalf("write to the pipe through the descriptor passed: %v", err)
	}
	unix.Close(fds[0])
	if n, err := r.Read(buf); err != nil || string(buf[:n]) != "x" {
		t.Fatalf("pipe read %q, %v", buf[:n], err)
	}
	if n, err := unix.Read(peer, buf); err != nil || string(buf[:n]) != "second" {
		t.Fatalf("peer read %q, %v; want the second packet", buf[:n], err)
	}

	// And the other way, one packet at a time.
	for _, p := range []string{"one", "two"} {
		if _, err := unix.Write(peer, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"one", "two"} {
		n, oobn, err := c.ReadMsg(buf, oob)
		if err != nil || string(buf[:n]) != want || oobn != 0 {
			t.Fatalf("ReadMsg = %q, %d, %v; want %q", buf[:n], oobn, err, want)
		}
	}
}

func TestCtlConnEndOfFile(t *testing.T) {
	c, peer := ctlPair(t)
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	if n, err := unix.Read(peer, buf); n != 0 || err != nil {
		t.Fatalf("peer read after CloseWrite = %d, %v; want end of file", n, err)
	}
	if _, err := unix.Write(peer, []byte("still")); err != nil {
		t.Fatalf("the peer's writes must still go through: %v", err)
	}
	if n, _, err := c.ReadMsg(buf, nil); err != nil || string(buf[:n]) != "still" {
		t.Fatalf("ReadMsg = %q, %v", buf[:n], err)
	}
	unix.Shutdown(peer, unix.SHUT_WR)
	if n, _, err := c.ReadMsg(buf, nil); n != 0 || err != nil {
		t.Fatalf("ReadMsg at end of file = %d, %v; want 0, nil", n, err)
	}
}

func TestCtlConnDeadlineAndCloseInterruptARead(t *testing.T) {
	c, _ := ctlPair(t)
	buf := make([]byte, 8)
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, _, err := c.ReadMsg(buf, nil); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("ReadMsg past its deadline: %v, want os.ErrDeadlineExceeded", err)
	}
	c.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMsg(buf, nil)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond) // most likely blocked in the poller by now; either way Close ends it
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrClosed) {
			t.Fatalf("ReadMsg interrupted by Close: %v, want os.ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not interrupt ReadMsg")
	}
	if err := c.WriteMsg([]byte("x"), nil); !errors.Is(err, os.ErrClosed) {
		t.Errorf("WriteMsg after Close: %v, want os.ErrClosed", err)
	}
}

func TestCtlConnWriteToAClosedPeer(t *testing.T) {
	c, peer := ctlPair(t)
	unix.Close(peer)
	err := c.WriteMsg([]byte("x"), nil)
	if !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("WriteMsg to a closed peer: %v, want EPIPE (and no SIGPIPE)", err)
	}
}

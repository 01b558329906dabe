//go:build linux || darwin

package reaper

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
)

// framing is how messages and answers are told apart on the socket to a
// reaper program.
type framing interface {
	// socketType is the type of unix socket the program is given.
	socketType() int
	// check refuses a message that the framing cannot carry.
	check(msg string) error
	// send writes the message msg.
	send(conn *os.File, msg string) error
	// receive reads one answer, or the greeting, into buf and returns it.
	receive(conn *os.File, buf []byte) ([]byte, error)
}

// lines is a byte stream (SOCK_STREAM; macOS has no SOCK_SEQPACKET for
// unix sockets) in which every message and every answer ends with '\n'.
type lines struct{}

func (lines) socketType() int { return syscall.SOCK_STREAM }

var errNewline = errors.New("message holds a newline, which ends a message on the reaper's socket")

func (lines) check(msg string) error {
	if strings.IndexByte(msg, '\n') >= 0 {
		return errNewline
	}
	return nil
}

func (lines) send(conn *os.File, msg string) error {
	_, err := conn.WriteString(msg + "\n")
	return err
}

// receive reads until '\n'. The reaper answers one message at a time, so
// nothing may follow it.
func (lines) receive(conn *os.File, buf []byte) ([]byte, error) {
	n := 0
	for {
		if n == len(buf) {
			return nil, fmt.Errorf("answer longer than %d bytes: %q", len(buf), buf)
		}
		m, err := conn.Read(buf[n:])
		if i := bytes.IndexByte(buf[n:n+m], '\n'); i >= 0 {
			if end := n + i; end != n+m-1 {
				return nil, fmt.Errorf("unexpected %q after the answer %q", buf[end+1:n+m], buf[:end])
			}
			return buf[:n+i], nil
		}
		n += m
		if err != nil {
			return nil, err
		}
	}
}

//go:build linux || darwin

package main

import (
	"bytes"
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// maxMessage is the longest message, '\n' excluded: a path of Linux's
	// PATH_MAX and some numbers, as the Linux reaper takes.
	maxMessage = 4096 + 64
	// rescanInterval is how often trees are scanned while the host lives.
	rescanInterval = time.Second
)

// serve answers the host's messages and keeps the trees' membership
// current until the host dies; then it acts, and the reaper exits.
func (r *reaper) serve(w *hostWatch) {
	var lines lineReader
	buf := make([]byte, 4096)
	next := time.Now().Add(rescanInterval)
	for {
		readable, exited := w.wait(time.Until(next))
		if exited {
			// Once the host has exited, answer what it sent before, then act.
			drain(&lines, buf, r.handle)
			r.act()
		}
		if readable {
			n, err := unix.Read(hostFD, buf)
			switch {
			case errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN):
			case n <= 0:
				r.act() // EOF, or reset
			default:
				lines.feed(buf[:n], r.handle)
			}
		}
		if !time.Now().Before(next) {
			r.rescan()
			next = time.Now().Add(rescanInterval)
		}
	}
}

// drain reads what is left on the socket without waiting, and handles it.
func drain(lines *lineReader, buf []byte, handle func(line []byte, tooLong bool)) {
	if unix.SetNonblock(hostFD, true) != nil {
		return
	}
	for {
		n, err := unix.Read(hostFD, buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if n <= 0 {
			return
		}
		lines.feed(buf[:n], handle)
	}
}

// lineReader cuts the byte stream from the host into messages, each ended
// by '\n'.
type lineReader struct {
	pending []byte
	// tooLong is set while the rest of a message longer than maxMessage
	// is skipped: pending then holds its first bytes only.
	tooLong bool
}

// feed takes the next bytes of the stream and calls handle for each
// message they end: its bytes without the '\n', or, with tooLong set, the
// first maxMessage bytes of a message too long.
func (l *lineReader) feed(data []byte, handle func(line []byte, tooLong bool)) {
	for len(data) > 0 {
		end := bytes.IndexByte(data, '\n')
		chunk := data
		if end >= 0 {
			chunk = data[:end]
		}
		if !l.tooLong {
			l.pending = append(l.pending, chunk...)
			if len(l.pending) > maxMessage {
				l.pending = l.pending[:maxMessage]
				l.tooLong = true
			}
		}
		if end < 0 {
			return
		}
		handle(l.pending, l.tooLong)
		l.pending, l.tooLong = l.pending[:0], false
		data = data[end+1:]
	}
}

// send writes one message to the host. An error means the host is gone:
// the next wait sees it.
func send(msg string) error {
	b := []byte(msg + "\n")
	for len(b) > 0 {
		n, err := unix.Write(hostFD, b)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

package host

import (
	"io"
	"os"
	"sync"
	"time"
)

// outputDrainTimeout bounds the wait for a child's output once its tree is
// gone: every write end then is closed, unless one was passed to a process
// outside the tree, which must not hold up Wait for ever.
const outputDrainTimeout = 2 * time.Second

// stdio is the standard descriptors of one child: files the embedder gave,
// /dev/null, or pipes that goroutines copy from the embedder's reader or
// to its writers.
type stdio struct {
	child [3]*os.File // what the child gets as 0, 1 and 2

	closeAfterStart []*os.File // the child's ends of pipes, the host's copies
	readEnds        []*os.File // the host's ends of output pipes
	stdinEnd        *os.File   // the host's end of the input pipe, or nil
	feed            func()     // copies the embedder's reader to the input pipe
	copiers         []func()   // copy the output pipes to the embedder's writers
	copies          sync.WaitGroup
}

// asFile returns v as a non-nil *os.File, if it is one.
func asFile(v any) (*os.File, bool) {
	f, ok := v.(*os.File)
	return f, ok && f != nil
}

// isNil reports whether v is nil or holds a nil *os.File.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	f, ok := v.(*os.File)
	return ok && f == nil
}

// newStdio sets up the descriptors of a child reading in and writing to out
// and errOut (nil: devNull). A writer given for both, when comparable, gets
// one pipe, so that one goroutine writes to it, in the order the child
// wrote.
func newStdio(devNull *os.File, in io.Reader, out, errOut io.Writer) (*stdio, error) {
	s := &stdio{child: [3]*os.File{devNull, devNull, devNull}}
	switch f, ok := asFile(in); {
	case isNil(in):
	case ok:
		s.child[0] = f
	default:
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		s.child[0], s.stdinEnd = r, w
		s.closeAfterStart = append(s.closeAfterStart, r)
		s.feed = func() {
			// Ends at in's end, or at the first read of in after the
			// tree is gone (finish closes w).
			io.Copy(w, in)
			w.Close()
		}
	}
	for i, w := range []io.Writer{out, errOut} {
		if i == 1 && !isNil(w) && sameWriter(out, errOut) {
			s.child[2] = s.child[1]
			break
		}
		switch f, ok := asFile(w); {
		case isNil(w):
		case ok:
			s.child[1+i] = f
		default:
			r, pw, err := os.Pipe()
			if err != nil {
				s.abort()
				return nil, err
			}
			s.child[1+i] = pw
			s.closeAfterStart = append(s.closeAfterStart, pw)
			s.readEnds = append(s.readEnds, r)
			s.copiers = append(s.copiers, func() { io.Copy(w, r) })
		}
	}
	return s, nil
}

// sameWriter reports whether a and b are the same comparable writer.
func sameWriter(a, b io.Writer) (same bool) {
	defer func() {
		if recover() != nil {
			same = false // not comparable
		}
	}()
	return a == b
}

// started closes the host's copies of the child's ends and starts copying.
func (s *stdio) started() {
	for _, f := range s.closeAfterStart {
		f.Close()
	}
	if s.feed != nil {
		go s.feed()
	}
	for _, copy := range s.copiers {
		s.copies.Go(copy)
	}
}

// abort closes every pipe of a child that did not start.
func (s *stdio) abort() {
	for _, f := range s.closeAfterStart {
		f.Close()
	}
	for _, f := range s.readEnds {
		f.Close()
	}
	if s.stdinEnd != nil {
		s.stdinEnd.Close()
	}
}

// finish ends the copying once the child's tree is gone: input is no
// longer passed on, and what the tree wrote is copied out, for up to
// outputDrainTimeout.
func (s *stdio) finish() {
	if s.stdinEnd != nil {
		s.stdinEnd.Close()
	}
	if len(s.readEnds) == 0 {
		return
	}
	done := make(chan struct{})
	go func() {
		s.copies.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(outputDrainTimeout):
	}
	for _, f := range s.readEnds {
		f.Close()
	}
}

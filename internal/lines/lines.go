// Package lines splits what is written to an io.Writer into lines, for
// writers that log or keep output a line at a time.
package lines

import (
	"bytes"
	"sync"
)

// A Writer calls Line with each line written to it, as the line completes,
// without its newline (nor a carriage return before it). A line longer
// than Max bytes (when Max is not 0) is passed in pieces of Max bytes. A
// Writer is safe for concurrent use; Line is called with its lock held,
// one line at a time, and must not keep the slice.
type Writer struct {
	Line func(line []byte)
	Max  int

	mu      sync.Mutex
	partial []byte
}

func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		line, rest, found := bytes.Cut(w.partial, []byte{'\n'})
		if !found {
			break
		}
		w.emit(bytes.TrimSuffix(line, []byte{'\r'}))
		w.partial = rest
	}
	for w.Max > 0 && len(w.partial) >= w.Max {
		w.Line(w.partial[:w.Max])
		w.partial = w.partial[w.Max:]
	}
	w.partial = append([]byte(nil), w.partial...) // let go of what was passed on
	return len(p), nil
}

// emit passes line on, in pieces of Max bytes when it is longer.
func (w *Writer) emit(line []byte) {
	for w.Max > 0 && len(line) > w.Max {
		w.Line(line[:w.Max])
		line = line[w.Max:]
	}
	w.Line(line)
}

// Partial returns a copy of the line written so far and not yet ended.
func (w *Writer) Partial() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.partial)
}

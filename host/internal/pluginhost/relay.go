package pluginhost

import (
	"slices"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/internal/lines"
	"github.com/procman-dev/procman/internal/printable"
)

// maxRelayedLine bounds a line the relay keeps waiting for its end: a
// longer one is logged in pieces of this size.
const maxRelayedLine = 64 << 10

// newLineRelay returns a writer that logs each line written to it under
// logger, at level, prefixed with where it was written ("stdout: ..."),
// shown so that it cannot act on a terminal: what a plugin writes to
// os.Stdout and os.Stderr once it serves, which go-plugin carries to the
// host, would be discarded otherwise.
func newLineRelay(logger hclog.Logger, level hclog.Level, stream string) *lines.Writer {
	return &lines.Writer{Max: maxRelayedLine, Line: func(line []byte) {
		logger.Log(level, stream+": "+printable.String(string(line)))
	}}
}

// tailLines is how many lines a tail keeps.
const tailLines = 5

// maxTailLine bounds a line a tail keeps.
const maxTailLine = 512

// A tail keeps the last lines written to it (at most tailLines, each cut
// to maxTailLine bytes).
type tail struct {
	w lines.Writer

	mu   sync.Mutex
	last []string
}

func newTail() *tail {
	t := new(tail)
	t.w = lines.Writer{Max: maxTailLine, Line: t.add}
	return t
}

func (t *tail) Write(p []byte) (int, error) { return t.w.Write(p) }

func (t *tail) add(line []byte) {
	if len(line) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.last = append(t.last, printable.String(string(line)))
	if len(t.last) > tailLines {
		t.last = t.last[len(t.last)-tailLines:]
	}
}

// lines returns the last lines, an unfinished one included, shown so
// that they cannot act on a terminal.
func (t *tail) lines() []string {
	partial := t.w.Partial()
	t.mu.Lock()
	last := slices.Clone(t.last)
	t.mu.Unlock()
	if len(partial) > 0 {
		last = append(last, printable.String(string(partial)))
	}
	return last
}

package pluginhost

import (
	"bytes"
	"slices"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/internal/printable"
)

// maxRelayedLine bounds a line the relay keeps waiting for its end: a
// longer one is logged in pieces of this size.
const maxRelayedLine = 64 << 10

// A lineRelay logs each line written to it under the plugin's logger, at
// level, prefixed with where it was written ("stdout: ..."): what a
// plugin writes to os.Stdout and os.Stderr once it serves, which go-plugin
// carries to the host, would be discarded otherwise.
type lineRelay struct {
	logger hclog.Logger
	level  hclog.Level
	prefix string

	mu      sync.Mutex
	partial []byte
}

func newLineRelay(logger hclog.Logger, level hclog.Level, stream string) *lineRelay {
	return &lineRelay{logger: logger, level: level, prefix: stream + ": "}
}

func (r *lineRelay) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.partial = append(r.partial, p...)
	for {
		line, rest, found := bytes.Cut(r.partial, []byte{'\n'})
		if !found {
			break
		}
		r.log(line)
		r.partial = rest
	}
	for len(r.partial) >= maxRelayedLine {
		r.log(r.partial[:maxRelayedLine])
		r.partial = r.partial[maxRelayedLine:]
	}
	r.partial = append([]byte(nil), r.partial...) // let go of what was logged
	return len(p), nil
}

func (r *lineRelay) log(line []byte) {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	r.logger.Log(r.level, r.prefix+printable.String(string(line)))
}

// tailLines is how many lines a tail keeps.
const tailLines = 5

// A tail keeps the last lines written to it (at most tailLines, each cut
// to maxTailLine bytes).
type tail struct {
	mu      sync.Mutex
	last    []string
	partial []byte
}

// maxTailLine bounds a line a tail keeps.
const maxTailLine = 512

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.partial = append(t.partial, p...)
	for {
		line, rest, found := bytes.Cut(t.partial, []byte{'\n'})
		if !found {
			break
		}
		t.add(line)
		t.partial = rest
	}
	if len(t.partial) > maxTailLine {
		t.partial = t.partial[:maxTailLine]
	}
	t.partial = append([]byte(nil), t.partial...)
	return len(p), nil
}

func (t *tail) add(line []byte) {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if len(line) == 0 {
		return
	}
	if len(line) > maxTailLine {
		line = line[:maxTailLine]
	}
	t.last = append(t.last, printable.String(string(line)))
	if len(t.last) > tailLines {
		t.last = t.last[len(t.last)-tailLines:]
	}
}

// lines returns the last lines, an unfinished one included, shown so
// that they cannot act on a terminal.
func (t *tail) lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := slices.Clone(t.last)
	if len(t.partial) > 0 {
		lines = append(lines, printable.String(string(t.partial)))
	}
	return lines
}

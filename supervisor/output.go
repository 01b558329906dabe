package supervisor

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// maxLine bounds a line of output kept or prefixed: a longer one is cut
// into pieces of this size, so that a program writing no newline costs
// bounded memory.
const maxLine = 64 << 10

// logLines is how many lines of each process procman logs shows from
// before it was asked.
const logLines = 1000

// colors are the ANSI colours of the prefixes on a terminal, by process.
var colors = []string{"\x1b[36m", "\x1b[33m", "\x1b[32m", "\x1b[35m", "\x1b[34m", "\x1b[91m", "\x1b[96m", "\x1b[93m"}

// console is the shared output of every process: whole lines, one at a
// time.
type console struct {
	mu     sync.Mutex
	out    io.Writer // the terminal or stdout; nil: none
	file   io.Writer // the top-level log_location; nil: none
	prefix bool
	color  bool
	width  int // of the longest name, for aligned prefixes
}

// write writes one line of name's, which ends in "\n".
func (c *console) write(name string, color int, line []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	plain := fmt.Sprintf("%-*s | ", c.width, name)
	if c.out != nil {
		switch {
		case !c.prefix:
			c.out.Write(line)
		case c.color:
			c.out.Write(append([]byte(colors[color%len(colors)]+plain+"\x1b[0m"), line...))
		default:
			c.out.Write(append([]byte(plain), line...))
		}
	}
	if c.file != nil {
		c.file.Write(append([]byte(plain), line...))
	}
}

// note writes a line of procman's own about name, in the same stream as
// its output: "NAME | procman: ...", or without prefixes "procman: NAME:
// ...".
func (c *console) note(name string, color int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !c.prefix {
		msg = name + ": " + msg // the line does not say whose it is
	}
	c.write(name, color, []byte("procman: "+msg+"\n"))
}

// output is one process's output: it cuts what the process writes into
// lines, which go to the console, to the process's own log file, and to
// the lines procman logs shows.
type output struct {
	name    string
	color   int
	console *console
	file    io.Writer // the process's log_location; nil: none
	ring    *ring

	mu      sync.Mutex
	partial []byte // the start of a line not ended yet
}

// Write implements io.Writer for the host, which calls it from one
// goroutine at a time.
func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := len(p)
	if o.file != nil {
		o.file.Write(p)
	}
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			o.partial = append(o.partial, p...)
			for len(o.partial) >= maxLine {
				o.line(append(o.partial[:maxLine:maxLine], '\n'))
				o.partial = append(o.partial[:0], o.partial[maxLine:]...)
			}
			break
		}
		o.line(append(o.partial, p[:i+1]...))
		o.partial = o.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

// flush ends a last line that has no newline.
func (o *output) flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.partial) > 0 {
		o.line(append(o.partial, '\n'))
		o.partial = nil
	}
}

func (o *output) line(line []byte) {
	o.console.write(o.name, o.color, line)
	o.ring.add(string(line))
}

// ring keeps the last lines of one process and wakes those who follow
// them.
type ring struct {
	mu      sync.Mutex
	lines   []string // at most logLines
	next    int      // where the next line goes once lines is full
	total   int      // lines ever added
	changed chan struct{}
}

func newRing() *ring { return &ring{changed: make(chan struct{})} }

func (r *ring) add(line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.lines) < logLines {
		r.lines = append(r.lines, line)
	} else {
		r.lines[r.next] = line
		r.next = (r.next + 1) % logLines
	}
	r.total++
	close(r.changed)
	r.changed = make(chan struct{})
}

// since returns the lines added after the first from ones (those still
// kept), the count to ask from next time, and a channel closed when more
// come.
func (r *ring) since(from int) (lines []string, next int, more <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	oldest := r.total - len(r.lines)
	from = max(from, oldest)
	for i := from; i < r.total; i++ {
		lines = append(lines, r.lines[(r.next+i-oldest)%len(r.lines)])
	}
	return lines, r.total, r.changed
}

package proctest

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// Children follows the processes of one Windows test, which announce
// themselves as "NAME PID" lines: every pid announced is held by a
// handle, so that it cannot be reused, and the test fails unless each has
// ended by its end (those left are then killed).
type Children struct {
	t       testing.TB
	timeout time.Duration
	lines   chan string
	held    map[int]windows.Handle
	names   map[string][]int
}

// NewChildren returns the Children of t, and the pipe their announcements
// go to: whatever process holds it writes there. Await and AwaitEnded wait
// up to timeout.
func NewChildren(t testing.TB, timeout time.Duration) (*Children, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// The write end first: with it closed and every child gone, the
	// reader sees the end of the pipe and returns. Closing the read end
	// while the reader is in ReadFile waits for that read, which Wine
	// does not always cancel: the test then hangs.
	t.Cleanup(func() { w.Close(); r.Close() })
	return ReadChildren(t, r, timeout), w
}

// ReadChildren returns the Children of t that announce themselves on r.
func ReadChildren(t testing.TB, r io.Reader, timeout time.Duration) *Children {
	c := &Children{t: t, timeout: timeout, lines: make(chan string, 100), held: make(map[int]windows.Handle), names: make(map[string][]int)}
	go func() {
		defer close(c.lines)
		s := bufio.NewScanner(r)
		for s.Scan() {
			c.lines <- s.Text()
		}
	}()
	t.Cleanup(c.checkEnded)
	return c
}

// Await reads announcements until one of each name has come, holding each
// process named.
func (c *Children) Await(names ...string) {
	c.t.Helper()
	timeout := time.After(c.timeout)
	for _, name := range names {
		for len(c.names[name]) == 0 {
			select {
			case line, ok := <-c.lines:
				if !ok {
					c.t.Fatalf("the children's output ended before %v came (have %v)", names, c.names)
				}
				c.announced(line)
			case <-timeout:
				c.t.Fatalf("%v did not all come within %v (have %v)", names, c.timeout, c.names)
			}
		}
	}
}

// announced holds the process an announcement names.
func (c *Children) announced(line string) {
	c.t.Helper()
	name, pidText, ok := strings.Cut(line, " ")
	pid, err := strconv.Atoi(pidText)
	if !ok || err != nil {
		c.t.Fatalf("bad announcement %q", line)
	}
	c.Hold(name, pid)
}

// Hold holds process pid, called name, as if it had announced itself.
func (c *Children) Hold(name string, pid int) {
	c.t.Helper()
	h, err := windows.OpenProcess(windows.SYNCHRONIZE|windows.PROCESS_TERMINATE|windows.PROCESS_QUERY_INFORMATION, false, uint32(pid))
	if err != nil {
		c.t.Fatalf("open %s (pid %d): %v", name, pid, err)
	}
	c.held[pid] = h
	c.names[name] = append(c.names[name], pid)
}

// Pid is the pid of the (first) process called name.
func (c *Children) Pid(name string) int { return c.names[name][0] }

// Handle is the handle that holds process pid.
func (c *Children) Handle(pid int) windows.Handle { return c.held[pid] }

// Ended reports whether process pid has ended.
func (c *Children) Ended(pid int) bool {
	ev, err := windows.WaitForSingleObject(c.held[pid], 0)
	return err == nil && ev == windows.WAIT_OBJECT_0
}

// AwaitEnded fails the test unless every process held ends within the
// timeout.
func (c *Children) AwaitEnded() {
	c.t.Helper()
	end := time.Now().Add(c.timeout)
	for pid, h := range c.held {
		ms := max(time.Until(end).Milliseconds(), 0)
		if ev, err := windows.WaitForSingleObject(h, uint32(ms)); err != nil || ev != windows.WAIT_OBJECT_0 {
			c.t.Errorf("pid %d still runs after %v", pid, c.timeout)
		}
	}
}

// checkEnded kills and reports whatever held still runs: a test that
// failed may have left it, or the end of a tree that still ran, which
// takes a moment.
func (c *Children) checkEnded() {
	end := time.Now().Add(10 * time.Second)
	for pid, h := range c.held {
		ms := max(time.Until(end).Milliseconds(), 0)
		if ev, err := windows.WaitForSingleObject(h, uint32(ms)); err != nil || ev != windows.WAIT_OBJECT_0 {
			c.t.Errorf("pid %d outlived its test: killed", pid)
			windows.TerminateProcess(h, 1)
		}
		windows.CloseHandle(h)
	}
}

//go:build linux

package host_test

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
)

func TestWithOutputToWriters(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)
	var want, wantOut, wantErr strings.Builder
	for i := range 500 {
		fmt.Fprintf(&want, "stdout %d\nstderr %d\n", 2*i, 2*i+1)
		fmt.Fprintf(&wantOut, "stdout %d\n", 2*i)
		fmt.Fprintf(&wantErr, "stderr %d\n", 2*i+1)
	}

	// Two writers: each gets its stream, whole, once Wait returns.
	var stdout, stderr proctest.Buffer
	h, _ := start(t, m, child(t, marker, "interleave", "500"), host.WithOutput(&stdout, &stderr))
	wait(t, m, h)
	if stdout.String() != wantOut.String() || stderr.String() != wantErr.String() {
		t.Errorf("stdout %d bytes, stderr %d bytes; want each stream whole", len(stdout.String()), len(stderr.String()))
	}

	// One writer for both: one pipe, the order the child wrote in.
	var both proctest.Buffer
	h, _ = start(t, m, child(t, marker, "interleave", "500"), host.WithOutput(&both, &both))
	wait(t, m, h)
	if both.String() != want.String() {
		t.Errorf("both streams through one writer are not in the order written:\n%.200s", both.String())
	}

	// A nil *os.File is no writer: discarded, as nil is.
	var none *os.File
	h, _ = start(t, m, child(t, marker, "interleave", "1"), host.WithOutput(none, none))
	if st := wait(t, m, h); st.State != host.Exited || st.ExitCode != 0 {
		t.Errorf("status %v with nil files, want exited 0", st)
	}
}

func TestWithStdin(t *testing.T) {
	m := newManager(t)
	cfg := child(t, proctest.Marker(t), "sleep")
	cfg.Command, cfg.Args = "/bin/cat", nil

	// A reader: copied in, then end of file, so cat ends.
	var out proctest.Buffer
	h, _ := start(t, m, cfg, host.WithStdin(strings.NewReader("hello\nworld\n")), host.WithOutput(&out, nil))
	if st := wait(t, m, h); st.State != host.Exited || out.String() != "hello\nworld\n" {
		t.Errorf("cat of a reader: %v, %q", st, out.String())
	}

	// A file is the child's as it is: the child reads what comes, after
	// the start.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out = proctest.Buffer{}
	h, _ = start(t, m, cfg, host.WithStdin(r), host.WithOutput(&out, nil))
	fmt.Fprintln(w, "typed later")
	w.Close()
	if st := wait(t, m, h); st.State != host.Exited || out.String() != "typed later\n" {
		t.Errorf("cat of a pipe: %v, %q", st, out.String())
	}

	// A reader that never ends holds nothing up: the tree stops as any.
	blocked, never := io.Pipe()
	defer never.Close()
	h, _ = start(t, m, cfg, host.WithStdin(blocked))
	stop(t, m, h)
	if st, _ := m.Status(h); st.State != host.Terminated {
		t.Errorf("cat of an endless reader after Stop: %v", st)
	}
}

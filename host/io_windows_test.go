package host_test

import (
	"strings"
	"testing"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
	"golang.org/x/sys/windows"
)

// TestStatusCountsWhatTheJobUsed: once the tree is gone, Status has the
// CPU time and the peak memory the job accounted for, the child's
// included.
func TestStatusCountsWhatTheJobUsed(t *testing.T) {
	marker := newMarker(t)
	m := winManager(t)
	h, _ := start(t, m, child(t, marker, "burn", "300", "64"))
	st := wait(t, m, h)
	if underWine() && st.CPUTime == 0 && st.PeakMemory == 0 {
		// Wine answers a job's accounting with zeros: there is nothing
		// to check but that the start and the end went as usual.
		t.Skipf("Wine keeps no job accounting (status %v)", st)
	}
	if st.State != host.Exited || st.CPUTime < 300*time.Millisecond || st.PeakMemory < 64<<20 {
		t.Errorf("status %v, CPU %v, peak %d bytes; want exited, at least 300ms and 64 MiB", st, st.CPUTime, st.PeakMemory)
	}
}

// underWine reports whether the test runs under Wine.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// TestWithStdinAndWritersOnWindows: a reader is copied to the child's
// stdin, its end closing it; the child's output reaches a writer whole
// before Wait returns.
func TestWithStdinAndWritersOnWindows(t *testing.T) {
	marker := newMarker(t)
	m := winManager(t)
	var out proctest.Buffer
	h, _ := start(t, m, child(t, marker, "cat"), host.WithStdin(strings.NewReader("hello\r\nworld\r\n")), host.WithOutput(&out, nil))
	if st := wait(t, m, h); st.State != host.Exited || out.String() != "hello\r\nworld\r\n" {
		t.Errorf("cat of a reader: %v, %q", st, out.String())
	}
}
